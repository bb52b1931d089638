package ai.mozaiks.session;

import ai.mozaiks.persistence.ScopedField;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.lte;
import static com.mongodb.client.model.Filters.ne;
import static com.mongodb.client.model.Filters.or;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabase;
import ai.mozaiks.persistence.RuntimeCollection;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.PushOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One app's {@code chat_sessions}: the only writer of the chat document. Every change of a chat's status, step, lease,
 * conversation, pending input, counters and event counter ({@code event_seq}) is one conditional update here; the
 * callers decide what changes, this class says how it is written. Reads answer the document (fields in
 * {@link ChatFields} and {@link InputFields}).
 */
public final class ChatStore {
    /** A claim answers the chat as it was: its lease fields tell a redelivery. */
    /**
     * Sorts of chats of one status, on the full key of their index (app_status_updated, app_status_queued): Cosmos RU
     * serves a sort only from an index with exactly its fields; app and status are pinned, so the order is the last field's.
     */
    private static final Bson BY_STATUS_UPDATED = Sorts.ascending(ScopedField.APP_ID, ChatFields.STATUS, ChatFields.UPDATED_AT);
    private static final FindOneAndUpdateOptions BEFORE = new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE);
    /** A commit answers the chat as it was: the messages that were waiting for a turn. */
    private static final FindOneAndUpdateOptions COMMITTED = new FindOneAndUpdateOptions()
            .returnDocument(ReturnDocument.BEFORE)
            .projection(Projections.include(InputFields.PENDING_INPUTS));
    /** An input that took its step's lease answers the chat as it left it: what the step would have claimed. */
    private static final FindOneAndUpdateOptions AFTER = new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER);
    private static final FindOneAndUpdateOptions NEW_SEQ = new FindOneAndUpdateOptions()
            .returnDocument(ReturnDocument.AFTER)
            .projection(Projections.include(ChatFields.EVENT_SEQ));

    private final AppCollection chats;

    private ChatStore(AppCollection chats) {
        this.chats = chats;
    }

    /** The chats of the app the database belongs to. */
    public static ChatStore of(AppDatabase database) {
        return new ChatStore(database.collection(RuntimeCollection.CHAT_SESSIONS));
    }

    // ---- reads ----

    public Mono<Document> find(String chatId) {
        return chats.findOne(eq(ChatFields.CHAT_ID, chatId));
    }

    /** The chat when it belongs to this user; empty otherwise. */
    public Mono<Document> findForUser(String chatId, String userId) {
        return chats.findOne(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.USER_ID, userId)));
    }

    /** The chat while it runs at this step. */
    public Mono<Document> findRunningAt(String chatId, long stepSeq) {
        return chats.findOne(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, stepSeq),
                eq(ChatFields.STATUS, ChatStatus.RUNNING.wire())));
    }

    /** The chat while this lease holds it. */
    public Mono<Document> findLeased(StepLease lease) {
        return chats.findOne(held(lease));
    }

    /** The chat's event counter as the document shows it (0 before any event). */
    public static long eventSeq(Document chat) {
        Object seq = chat.get(ChatFields.EVENT_SEQ);
        return seq instanceof Number number ? number.longValue() : 0;
    }

    /** The messages the chat holds for a later turn ({@link InputFields#PENDING_INPUTS}), oldest first. */
    @SuppressWarnings("unchecked")
    public static List<Document> pendingInputs(Document chat) {
        List<Document> pending = (List<Document>) chat.get(InputFields.PENDING_INPUTS, List.class);
        return pending == null ? List.of() : List.copyOf(pending);
    }

    // ---- the counters ----

    /** A new chat's counters: step 0, before any event. */
    static Document atStart(Document chat) {
        return chat.append(ChatFields.STEP_SEQ, 0L).append(ChatFields.EVENT_SEQ, 0L);
    }


    /** Reserves {@code count} seqs with one {@code $inc}, marking the chat active at {@code now}; 404 for an unknown chat. */
    Mono<SeqReservation> reserveSeqs(String chatId, int count, Instant now) {
        return chats.findOneAndUpdate(eq(ChatFields.CHAT_ID, chatId),
                        Updates.combine(Updates.inc(ChatFields.EVENT_SEQ, (long) count), Updates.set(ChatFields.UPDATED_AT, Date.from(now))),
                        NEW_SEQ)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The chat")))
                .map(chat -> {
                    long last = ((Number) chat.get(ChatFields.EVENT_SEQ)).longValue();
                    return new SeqReservation(last - count + 1, last);
                });
    }

    // ---- a step's lease and commit ----

    /**
     * Takes the chat for a step: same {@code step_seq}, still running, lease absent or expired. Answers the chat as it
     * was before the claim, or nothing.
     */
    public Mono<Document> claim(StepLease lease, Instant now, Instant until) {
        Bson filter = and(eq(ChatFields.CHAT_ID, lease.chatId()), eq(ChatFields.STEP_SEQ, lease.stepSeq()),
                eq(ChatFields.STATUS, ChatStatus.RUNNING.wire()),
                or(exists(ChatFields.LEASE_UNTIL, false), lte(ChatFields.LEASE_UNTIL, Date.from(now))));
        return chats.findOneAndUpdate(filter, Updates.combine(Updates.set(ChatFields.LEASE_UNTIL, Date.from(until)),
                Updates.set(ChatFields.LEASE_OWNER, lease.owner())), BEFORE);
    }

    /** Moves a held lease on; matches nothing once the step committed or another attempt took over. */
    public Mono<Void> renew(StepLease lease, Instant until) {
        return chats.updateOne(and(held(lease), exists(ChatFields.LEASE_UNTIL)),
                Updates.set(ChatFields.LEASE_UNTIL, Date.from(until)), false).then();
    }

    /**
     * After a transient failure of step {@code stepSeq}: sets the chat's lease to end at {@code until} (the step's retry),
     * when no live attempt holds it (the failed attempt's release expired it, or none was taken). Meanwhile the stall
     * reaper leaves the chat alone and a duplicate message finds it busy. Answers whether it was held.
     */
    public Mono<Boolean> holdForRetry(String chatId, long stepSeq, Instant now, Instant until) {
        Bson filter = and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, stepSeq), eq(ChatFields.STATUS, ChatStatus.RUNNING.wire()),
                or(exists(ChatFields.LEASE_UNTIL, false), lte(ChatFields.LEASE_UNTIL, Date.from(now))));
        return chats.updateOne(filter, Updates.set(ChatFields.LEASE_UNTIL, Date.from(until)), false)
                .map(result -> result.getMatchedCount() > 0);
    }

    /** Expires a held lease at once, keeping its fields as the mark of an attempt. */
    public Mono<Void> release(StepLease lease, Instant now) {
        return chats.updateOne(held(lease), Updates.set(ChatFields.LEASE_UNTIL, Date.from(now)), false).then();
    }

    /**
     * Commits a step in one conditional update: the next step, status, conversation (what changed since
     * {@code claimedConversation}, the one the claim read: {@link ConversationDelta}) and the step's changes, lease
     * cleared, and the step's events — their seqs taken after {@code eventBase} and the events kept in the chat's
     * {@code outbox} (committed means recorded). It misses (empty) when the lease was lost, when input moved the event
     * counter past {@code eventBase}, or, unless {@code cancelling}, when a cancel was requested meanwhile. Answers the
     * chat's pending inputs as they were.
     */
    public Mono<Document> commit(StepLease lease, long eventBase, ChatStatus status, Instant stamp, Document claimedConversation,
                                 Document conversation, List<NewEvent> events, StepCommit changes, boolean cancelling) {
        long lastSeq = eventBase + events.size();
        List<Bson> outbox = events.isEmpty()
                ? List.of(Updates.unset(ChatFields.OUTBOX))
                : List.of(Updates.set(ChatFields.EVENT_SEQ, lastSeq),
                        Updates.set(ChatFields.OUTBOX, new PendingEvents(lease.stepSeq(), stamp, lastSeq, events).toDocument()));
        // Only what changed since the claim: the lease keeps anyone else from changing the conversation meanwhile.
        List<Bson> written = conversation == null ? List.of()
                : ConversationDelta.updates(ChatFields.CONVERSATION, claimedConversation, conversation);
        List<Bson> updates = changes.updates(lease.stepSeq() + 1, status, stamp, written, outbox, cancelling);
        Bson filter = and(held(lease), eq(ChatFields.EVENT_SEQ, eventBase));
        if (!cancelling) {
            filter = and(filter, ne(InputFields.CANCEL_REQUESTED, true));
        }
        return chats.findOneAndUpdate(filter, Updates.combine(updates), COMMITTED);
    }

    private static Bson held(StepLease lease) {
        return and(eq(ChatFields.CHAT_ID, lease.chatId()), eq(ChatFields.STEP_SEQ, lease.stepSeq()),
                eq(ChatFields.LEASE_OWNER, lease.owner()));
    }

    // ---- user input ----

    /**
     * A chat waiting for input at this step takes an input (under its event key, with its seq) into the conversation
     * and goes to {@code status} ({@code running}, {@code queued} for a run slot, or still {@code awaiting_input}); answers whether it did (not when the chat moved or already has the input).
     */
    public Mono<Boolean> acceptInput(String chatId, long stepSeq, String key, long seq, Document conversation, ChatStatus status,
                                     Instant now) {
        Bson filter = and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, stepSeq),
                eq(ChatFields.STATUS, ChatStatus.AWAITING_INPUT.wire()),
                ne(InputFields.ACCEPTED_INPUTS + "." + InputFields.KEY, key));
        return matched(filter, Updates.combine(
                Updates.set(ChatFields.CONVERSATION, conversation),
                going(status, now),
                Updates.set(ChatFields.UPDATED_AT, Date.from(now)),
                accepted(key, seq)));
    }

    /**
     * {@link #acceptInput} for a chat that goes {@code running} with its step started by the caller: the same update also
     * takes the step's {@code lease} until {@code until}, as {@link #claim} would, so the step needs no claim of its own.
     * Answers the chat as the step's claim would have (its fields after the update, without the new lease: a fresh
     * step, not a redelivery), or empty when the chat moved or already has the input.
     */
    public Mono<Document> acceptInputClaimed(String chatId, String key, long seq, Document conversation, StepLease lease,
                                             Instant now, Instant until) {
        Bson filter = and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, lease.stepSeq()),
                eq(ChatFields.STATUS, ChatStatus.AWAITING_INPUT.wire()),
                ne(InputFields.ACCEPTED_INPUTS + "." + InputFields.KEY, key));
        return chats.findOneAndUpdate(filter, Updates.combine(
                Updates.set(ChatFields.CONVERSATION, conversation),
                going(ChatStatus.RUNNING, now),
                Updates.set(ChatFields.UPDATED_AT, Date.from(now)),
                accepted(key, seq),
                Updates.set(ChatFields.LEASE_UNTIL, Date.from(until)),
                Updates.set(ChatFields.LEASE_OWNER, lease.owner())), AFTER)
                .map(chat -> {
                    chat.remove(ChatFields.LEASE_UNTIL);
                    chat.remove(ChatFields.LEASE_OWNER);
                    return chat;
                });
    }

    /**
     * Keeps a message for a later turn in a chat still in {@code status} (at most {@link InputFields#MAX_PENDING}, once per
     * client message id), asking for an interrupt when {@code interrupt}. With {@code startStep}, the chat was created
     * waiting and has not run: it must still be at that step, and goes to {@code startAs} ({@code running}, or
     * {@code queued} for a run slot). Answers whether it was kept.
     */
    public Mono<Boolean> keepPending(String chatId, ChatStatus status, String clientMessageId, String text, long seq,
                                     boolean interrupt, Long startStep, ChatStatus startAs, Instant now) {
        Bson filter = and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STATUS, status.wire()),
                ne(InputFields.PENDING_INPUTS + "." + InputFields.CLIENT_MESSAGE_ID, clientMessageId),
                exists(InputFields.PENDING_INPUTS + "." + (InputFields.MAX_PENDING - 1), false));
        List<Bson> updates = new ArrayList<>(List.of(
                Updates.push(InputFields.PENDING_INPUTS, new Document(InputFields.CLIENT_MESSAGE_ID, clientMessageId)
                        .append(InputFields.TEXT, text).append(InputFields.SEQ, seq)),
                Updates.set(ChatFields.UPDATED_AT, Date.from(now))));
        if (interrupt) {
            updates.add(Updates.set(InputFields.INTERRUPT_REQUESTED, true));
        }
        if (startStep != null) {
            filter = and(filter, exists(ChatFields.CONVERSATION, false), eq(ChatFields.STEP_SEQ, startStep));
            updates.add(going(startAs, now));
        }
        return matched(filter, Updates.combine(updates));
    }

    /**
     * A chat waiting for input at this step takes its oldest pending message (still this client message id) into the
     * conversation and goes to {@code status} ({@code running}, or {@code queued} for a run slot); answers whether it did.
     */
    public Mono<Boolean> takePending(String chatId, long stepSeq, String clientMessageId, String key, long seq,
                                     Document conversation, ChatStatus status, Instant now) {
        return matched(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, stepSeq),
                        eq(ChatFields.STATUS, ChatStatus.AWAITING_INPUT.wire()),
                        eq(InputFields.PENDING_INPUTS + ".0." + InputFields.CLIENT_MESSAGE_ID, clientMessageId)),
                Updates.combine(
                        Updates.popFirst(InputFields.PENDING_INPUTS),
                        Updates.unset(InputFields.INTERRUPT_REQUESTED),
                        Updates.set(ChatFields.CONVERSATION, conversation),
                        going(status, now),
                        Updates.set(ChatFields.UPDATED_AT, Date.from(now)),
                        accepted(key, seq)));
    }

    /** Cancels a chat that waits (for input, children or a run slot) at this step; answers whether it did. */
    public Mono<Boolean> cancelWaiting(String chatId, long stepSeq, ChatStatus status, Instant now) {
        return matched(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, stepSeq), eq(ChatFields.STATUS, status.wire())),
                Updates.combine(Updates.set(ChatFields.STATUS, ChatStatus.CANCELLED.wire()),
                        Updates.set(ChatFields.UPDATED_AT, Date.from(now)),
                        Updates.unset(InputFields.INTERRUPT_REQUESTED)));
    }

    /** Asks a running chat's executor to cancel at its next step boundary; answers whether the chat was running. */
    public Mono<Boolean> requestCancel(String chatId, Instant now) {
        return matched(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STATUS, ChatStatus.RUNNING.wire())),
                Updates.combine(Updates.set(InputFields.CANCEL_REQUESTED, true), Updates.set(ChatFields.UPDATED_AT, Date.from(now))));
    }

    // ---- run slots ----

    /** The app's top-level chats waiting for a run slot, oldest first ({@code queued_at}). */
    public Flux<Document> oldestQueued(int limit) {
        return oldestQueued(limit, java.util.Set.of());
    }

    /** The same, leaving out the chats of {@code passedOver} users (a promotion found them at their own limit). */
    public Flux<Document> oldestQueued(int limit, java.util.Set<String> passedOver) {
        Bson queued = and(eq(ChatFields.STATUS, ChatStatus.QUEUED.wire()), exists(ChatFields.PARENT_CHAT_ID, false));
        return chats.find(passedOver.isEmpty() ? queued : and(queued, com.mongodb.client.model.Filters.nin(ChatFields.USER_ID, passedOver)),
                Sorts.ascending(ScopedField.APP_ID, ChatFields.STATUS, ChatFields.QUEUED_AT), limit);
    }

    /** The app's running top-level chats (runs), least recently changed first. */
    public Flux<Document> runningTopLevel(int limit) {
        return chats.find(and(eq(ChatFields.STATUS, ChatStatus.RUNNING.wire()), exists(ChatFields.PARENT_CHAT_ID, false)),
                BY_STATUS_UPDATED, limit);
    }

    /** A chat queued at this step goes running (its run slot is taken); answers whether it did. */
    public Mono<Boolean> startQueued(String chatId, long stepSeq, Instant now) {
        return matched(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, stepSeq), eq(ChatFields.STATUS, ChatStatus.QUEUED.wire())),
                Updates.combine(Updates.set(ChatFields.STATUS, ChatStatus.RUNNING.wire()), Updates.unset(ChatFields.QUEUED_AT),
                        Updates.set(ChatFields.UPDATED_AT, Date.from(now))));
    }

    /** The app's top-level chats waiting for their user, unchanged since before {@code before}, longest idle first. */
    public Flux<Document> idleSince(Instant before, int limit) {
        return chats.find(and(eq(ChatFields.STATUS, ChatStatus.AWAITING_INPUT.wire()), lt(ChatFields.UPDATED_AT, Date.from(before)),
                exists(ChatFields.PARENT_CHAT_ID, false)), BY_STATUS_UPDATED, limit);
    }

    /** Ends a chat still waiting for its user at this step and still unchanged since before {@code before}; answers whether it did. */
    public Mono<Boolean> closeIdle(String chatId, long stepSeq, Instant before, Instant now) {
        return matched(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, stepSeq),
                        eq(ChatFields.STATUS, ChatStatus.AWAITING_INPUT.wire()), lt(ChatFields.UPDATED_AT, Date.from(before))),
                Updates.combine(Updates.set(ChatFields.STATUS, ChatStatus.CANCELLED.wire()),
                        Updates.set(ChatFields.UPDATED_AT, Date.from(now)), Updates.unset(InputFields.INTERRUPT_REQUESTED)));
    }

    /** Sets the status a chat goes to; a queued one notes since when (promotion is oldest first). */
    private static Bson going(ChatStatus status, Instant now) {
        return status == ChatStatus.QUEUED
                ? Updates.combine(Updates.set(ChatFields.STATUS, status.wire()), Updates.set(ChatFields.QUEUED_AT, Date.from(now)))
                : Updates.set(ChatFields.STATUS, status.wire());
    }

    private static Bson accepted(String key, long seq) {
        return Updates.pushEach(InputFields.ACCEPTED_INPUTS, List.of(new Document(InputFields.KEY, key).append(InputFields.SEQ, seq)),
                new PushOptions().slice(-InputFields.MAX_ACCEPTED));
    }

    // ---- fan-outs ----

    /**
     * A parent waiting at this step for this fan-out run goes on with the children's results in its conversation, to
     * {@code status} ({@code running}, or {@code queued} for a run slot); answers whether it changed.
     */
    public Mono<Boolean> resumeFromChildren(String chatId, long stepSeq, String runId, Document conversation, ChatStatus status,
                                            Instant now) {
        return chats.updateOne(waitingFor(chatId, stepSeq, runId), Updates.combine(
                        Updates.set(ChatFields.CONVERSATION, conversation),
                        going(status, now),
                        Updates.unset(ChatFields.FAN_OUT),
                        Updates.set(ChatFields.RESUMED_FROM, runId),
                        Updates.set(ChatFields.UPDATED_AT, Date.from(now))), false)
                .map(updated -> updated.getModifiedCount() == 1);
    }

    /** A parent waiting at this step for this fan-out run fails. */
    public Mono<Void> failFromChildren(String chatId, long stepSeq, String runId, Instant now) {
        return chats.updateOne(waitingFor(chatId, stepSeq, runId), Updates.combine(
                Updates.set(ChatFields.STATUS, ChatStatus.FAILED.wire()),
                Updates.unset(ChatFields.FAN_OUT),
                Updates.set(ChatFields.UPDATED_AT, Date.from(now))), false).then();
    }

    private static Bson waitingFor(String chatId, long stepSeq, String runId) {
        return and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.STEP_SEQ, stepSeq),
                eq(ChatFields.STATUS, ChatStatus.AWAITING_CHILDREN.wire()), eq(ChatFields.FAN_OUT + ".run_id", runId));
    }

    private Mono<Boolean> matched(Bson filter, Bson update) {
        return chats.updateOne(filter, update, false).map(result -> result.getMatchedCount() == 1);
    }
}
