package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.tenancy.AppLimits;
import ai.mozaiks.tenancy.RunSlots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Run slots at every step start after a session's: a top-level chat ({@code parent_chat_id} absent) runs only while it
 * holds one of its app's and its user's slots ({@link RunSlots}); a child takes none (its fan-out bounds it).
 *
 * <ul>
 *   <li><b>Admit.</b> A chat about to run (a message, a UI answer, a fan-in, a journey's next chat) takes a slot first
 *       ({@link #admit}); with none free it goes {@code queued} with a {@code queued_at} instead, holding nothing.</li>
 *   <li><b>End.</b> When a run ends or waits (its step committed it out of {@code running}, a poisoned or stopped step),
 *       {@link #ended} or {@link #waiting} gives its slot back, its user found in the slot's holder, and promotes when
 *       chats of the app may be queued (the app's slot document is marked while they may be). A cancel or an input that
 *       missed its update {@link #settle settles} the chat's slot after reading it.</li>
 *   <li><b>Promote.</b> {@link #promote} tries the app's queued chats oldest first: a slot is taken for the chat (its
 *       user's limit may still refuse it: the next user's chat is tried), then one update conditional on the chat still
 *       queued at its step makes it {@code running}, and its step is queued. Safe to repeat and to run concurrently: the
 *       slot is per chat and the flip conditional; a chat that lost the flip and does not run gives its slot back.</li>
 *   <li><b>Reconcile.</b> A crash can leave a slot held by a chat that does not run; {@link #reconcile} gives back those
 *       taken longer ago than a grace (so a start in progress keeps its slot). A run holding no slot gets one
 *       ({@link #adopt}).</li>
 * </ul>
 */
public final class RunQueue {
    /** Queued chats tried per promotion at most; the rest wait for the next release or the reaper. */
    static final int PROMOTE_BATCH = 50;
    /** Batches read per promotion at most, each without the users the ones before passed over. */
    static final int PROMOTE_PASSES = 10;

    private final AppDatabases databases;
    private final RunSlots slots;
    private final Function<AppId, Mono<AppLimits>> limits;
    private final StepQueue queue;
    private final Clock clock;

    /** {@code limits}: an app's limits (cached per instance); empty for an app that cannot be found, whose chats wait. */
    public RunQueue(AppDatabases databases, RunSlots slots, Function<AppId, Mono<AppLimits>> limits, StepQueue queue, Clock clock) {
        this.databases = databases;
        this.slots = slots;
        this.limits = limits;
        this.queue = queue;
        this.clock = clock;
    }

    /** The app's limits, as the queue applies them. */
    public Mono<AppLimits> limits(AppId appId) {
        return limits.apply(appId);
    }

    /**
     * Where a chat about to run goes: {@code running} when it holds a run slot now (taken, or held already) or is a child;
     * {@code queued} when its user's or its app's limit is reached.
     */
    public Mono<ChatStatus> admit(AppId appId, Document chat) {
        if (!topLevel(chat)) {
            return Mono.just(ChatStatus.RUNNING);
        }
        return limits.apply(appId)
                .flatMap(found -> slots.take(appId, chat.getString(ChatFields.USER_ID), chat.getString(ChatFields.CHAT_ID), found))
                .defaultIfEmpty(false)
                .map(taken -> taken ? ChatStatus.RUNNING : ChatStatus.QUEUED);
    }

    /**
     * What follows a chat's move to {@code status} at {@code stepSeq}: a running chat's step is queued; for a queued one
     * promotion is tried, since a slot may have been given back between the refusal and the move.
     */
    public Mono<Void> started(AppId appId, String chatId, long stepSeq, ChatStatus status) {
        if (status == ChatStatus.RUNNING) {
            return queue.enqueue(new StepMessage(appId, chatId, stepSeq), Duration.ZERO);
        }
        return status == ChatStatus.QUEUED ? queued(appId) : Mono.empty();
    }

    /**
     * The step a chat is about to start, readied ahead of the write that starts it ({@link StepQueue#ahead}); settled by
     * {@link #started(AppId, String, long, ChatStatus, StepQueue.Ahead)}, or cancelled when the write did not happen.
     */
    public StepQueue.Ahead ahead(AppId appId, String chatId, long stepSeq) {
        return queue.ahead(new StepMessage(appId, chatId, stepSeq));
    }

    /** {@link #started(AppId, String, long, ChatStatus)} for a step readied ahead: due when the chat runs, else given back. */
    public Mono<Void> started(AppId appId, String chatId, long stepSeq, ChatStatus status, StepQueue.Ahead ahead) {
        return status == ChatStatus.RUNNING ? ahead.due() : ahead.cancel().then(started(appId, chatId, stepSeq, status));
    }

    /**
     * Chats of the app went {@code queued}: the app's slots are marked so a release promotes, and promotion is tried now
     * (a slot may have been given back between the refusal and the move).
     */
    public Mono<Void> queued(AppId appId) {
        return slots.markQueued(appId).then(Mono.defer(() -> promote(appId))).then();
    }

    /**
     * A step ended the chat's run for good, or made it wait for its children (nothing can make it run before the runner
     * starts them): its slot is given back without reading the chat, and queued chats take it.
     */
    public Mono<Void> ended(AppId appId, String chatId) {
        return slots.giveBack(appId, chatId).flatMap(given -> given.queued() ? promote(appId).then() : Mono.<Void>empty());
    }

    /**
     * A step made the chat wait for its user: its slot is given back, then the chat is read once and answered (for the
     * runner to take a message that arrived meanwhile). A message that made it run between the commit and the release
     * found the slot still held: it is taken back for it. Queued chats take what is free.
     */
    public Mono<Document> waiting(AppId appId, String chatId) {
        return databases.forApp(appId).map(ChatStore::of).flatMap(chats -> slots.giveBack(appId, chatId)
                .flatMap(given -> chats.find(chatId).flatMap(chat -> (given.released() && running(chat) ? retake(appId, chat) : Mono.<Void>empty())
                        .then(given.queued() ? promote(appId).then() : Mono.<Void>empty())
                        .thenReturn(chat))));
    }

    private Mono<Void> retake(AppId appId, Document chat) {
        return limits.apply(appId)
                .flatMap(found -> slots.take(appId, chat.getString(ChatFields.USER_ID), chat.getString(ChatFields.CHAT_ID), found))
                .then();
    }

    /**
     * The chat may hold a slot it does not use (a cancel, an input that took a slot and then missed its update): the chat
     * is read, its slot given back unless it runs, and the app's queued chats take what is free. Idempotent; does nothing
     * for a child or a chat that is gone.
     */
    public Mono<Void> settle(AppId appId, String chatId) {
        return databases.forApp(appId).map(ChatStore::of)
                .flatMap(chats -> chats.find(chatId).filter(RunQueue::topLevel)
                        .flatMap(chat -> releaseUnlessRunning(appId, chats, chat).then(Mono.defer(() -> promote(appId)))))
                .then();
    }

    /**
     * Gives back the slot of a top-level chat that does not run. A message may have made the chat run between the read
     * and the release (its take found the slot still held): read again, and take it back for a chat that runs.
     */
    private Mono<Void> releaseUnlessRunning(AppId appId, ChatStore chats, Document chat) {
        if (!topLevel(chat) || running(chat)) {
            return Mono.empty();
        }
        String chatId = chat.getString(ChatFields.CHAT_ID);
        String userId = chat.getString(ChatFields.USER_ID);
        return slots.release(appId, userId, chatId)
                .then(chats.find(chatId))
                .filter(RunQueue::running)
                .flatMap(again -> retake(appId, again));
    }

    /**
     * Runs the app's queued chats, oldest first, while slots are free; answers how many went running. A chat its user's
     * limit refuses is passed over (with the user's later ones); the app's limit reached ends it. Read in batches of
     * {@link #PROMOTE_BATCH}: a batch that ends with the app not full reads the next one without the users passed over, so
     * one user's long backlog never keeps another user's chat waiting while slots are free ({@link #PROMOTE_PASSES} at most).
     */
    public Mono<Integer> promote(AppId appId) {
        return limits.apply(appId).flatMap(found -> databases.forApp(appId).map(ChatStore::of).flatMap(chats -> {
            Instant asOf = clock.instant();
            return pass(appId, chats, found, new HashSet<>(), PROMOTE_PASSES)
                    // No chat queued: releases need not promote until one is queued again.
                    .flatMap(promoted -> promoted.seen() ? Mono.just(promoted.count())
                            : slots.clearQueued(appId, asOf).thenReturn(promoted.count()));
        })).defaultIfEmpty(0);
    }

    /** What promotion passes came to: chats that went running, and whether any queued chat was seen. */
    private record Promoted(int count, boolean seen) {
    }

    private Mono<Promoted> pass(AppId appId, ChatStore chats, AppLimits found, Set<String> refused, int passes) {
        AtomicBoolean full = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        return chats.oldestQueued(PROMOTE_BATCH, Set.copyOf(refused))
                .doOnNext(chat -> seen.incrementAndGet())
                .concatMap(chat -> {
                    String userId = chat.getString(ChatFields.USER_ID);
                    if (full.get() || refused.contains(userId)) {
                        return Mono.just(0);
                    }
                    return slots.take(appId, userId, chat.getString(ChatFields.CHAT_ID), found)
                            .flatMap(taken -> taken ? run(appId, chats, chat)
                                    : slots.held(appId).map(held -> {
                                        refused.add(userId);
                                        full.set(held >= found.concurrentRunsPerApp());
                                        return 0;
                                    }));
                })
                .reduce(0, Integer::sum)
                .flatMap(count -> {
                    // A whole batch read and the app not full: there may be more queued chats a free slot can take.
                    boolean more = !full.get() && seen.get() == PROMOTE_BATCH && passes > 1;
                    return more ? pass(appId, chats, found, refused, passes - 1).map(next -> new Promoted(count + next.count(), true))
                            : Mono.just(new Promoted(count, seen.get() > 0));
                });
    }

    /** A queued chat holding its slot goes running and its step is queued; one that moved meanwhile keeps no slot idle. */
    private Mono<Integer> run(AppId appId, ChatStore chats, Document chat) {
        String chatId = chat.getString(ChatFields.CHAT_ID);
        long step = ((Number) chat.get(ChatFields.STEP_SEQ)).longValue();
        return chats.startQueued(chatId, step, now()).flatMap(flipped -> flipped
                ? queue.enqueue(new StepMessage(appId, chatId, step), Duration.ZERO).thenReturn(1)
                : chats.find(chatId).flatMap(now -> releaseUnlessRunning(appId, chats, now)).thenReturn(0));
    }

    /**
     * Gives back the slots of the app held by chats that do not run (a crash between a take and the chat's move, or
     * between a run's end and its release), taken before {@code takenBefore}; answers the chats released.
     */
    public Mono<Set<String>> reconcile(AppId appId, Instant takenBefore) {
        return databases.forApp(appId).map(ChatStore::of).flatMap(chats -> Flux.concat(slots.holders(appId), slots.userHolders(appId))
                .filter(holder -> holder.takenAt().isBefore(takenBefore))
                .distinct(RunSlots.Holder::chatId)
                .concatMap(holder -> chats.find(holder.chatId())
                        .map(java.util.Optional::of)
                        .defaultIfEmpty(java.util.Optional.empty())
                        .filter(found -> found.map(chat -> !running(chat) || !topLevel(chat)).orElse(true))
                        .flatMap(found -> slots.release(appId, holder.userId(), holder.chatId())
                                // A message may have made the chat run on that slot since it was read: it takes one again.
                                .then(found.isEmpty() ? Mono.<Void>empty() : chats.find(holder.chatId())
                                        .filter(again -> running(again) && topLevel(again))
                                        .flatMap(again -> retake(appId, again)))
                                .thenReturn(holder.chatId())))
                .collect(java.util.stream.Collectors.toSet()));
    }

    /**
     * Gives a slot to the app's running top-level chats that hold none, as far as the limits allow (a message that made a
     * chat run just as its last step gave the slot back, missed by the re-read; a chat started before run slots existed),
     * so every run is counted; answers how many. At most {@code limit} chats are looked at.
     */
    public Mono<Integer> adopt(AppId appId, int limit) {
        return limits.apply(appId).flatMap(found -> databases.forApp(appId).map(ChatStore::of).flatMap(chats -> slots.holders(appId)
                .map(RunSlots.Holder::chatId).collect(java.util.stream.Collectors.toSet())
                .flatMap(held -> chats.runningTopLevel(limit)
                        .filter(chat -> !held.contains(chat.getString(ChatFields.CHAT_ID)))
                        .concatMap(chat -> slots.take(appId, chat.getString(ChatFields.USER_ID), chat.getString(ChatFields.CHAT_ID), found)
                                .map(taken -> taken ? 1 : 0))
                        .reduce(0, Integer::sum)))).defaultIfEmpty(0);
    }

    static boolean topLevel(Document chat) {
        return chat.get(ChatFields.PARENT_CHAT_ID) == null;
    }

    private static boolean running(Document chat) {
        return ChatStatus.RUNNING.wire().equals(chat.getString(ChatFields.STATUS));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
