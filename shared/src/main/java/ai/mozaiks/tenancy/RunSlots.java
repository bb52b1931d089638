package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.ne;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.session.Duplicates;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The run slots of apps and of their users, as data: one document per app ({@code app:<app>}) and one per user of an
 * app ({@code user:<app>:<user>}) in the control database's {@code run_slots}, each with a {@code count} and the
 * {@code holders} (chat ids) that make it up. A slot is taken with one conditional update per document — counted up
 * only below the limit and only if the chat does not hold it yet — and given back with one conditional update that
 * removes the chat, so taking and releasing are idempotent and need no lock: a burst within the limit is all admitted,
 * one beyond it is refused at once.
 *
 * <p>The app's places for child workflows are kept the same way, in a third document ({@link #takeChildPlace}).
 *
 * <p>A chat takes its user's slot, then its app's; when the app's is full the user's is given back. A crash between
 * the two, or between a run's end and its release, leaves a holder whose chat no longer runs: {@link #holders} lists
 * them with when they were taken, for the reaper to give back.
 */
public final class RunSlots {
    public static final String COLLECTION = "run_slots";
    static final String COUNT = "count";
    static final String HOLDERS = "holders";
    static final String CHAT = "c";
    static final String USER = "u";
    static final String TAKEN_AT = "at";
    /** Rounds when two first takes of a document race on its creation. */
    private static final int CREATE_RACES = 3;

    /** Set on an app's document while chats of the app may be queued for a slot, so a release knows to promote. */
    static final String QUEUED = "queued_since";

    /** What a {@link #giveBack}: whether the chat held a slot, and whether chats of the app may be queued for it. */
    public record GiveBack(boolean released, boolean queued) {
    }

    /** One chat holding a slot of an app: the chat, its user, and since when. */
    public record Holder(String chatId, String userId, Instant takenAt) {
    }

    private final MongoCollection<Document> slots;
    private final Clock clock;

    public RunSlots(MongoCollection<Document> slots, Clock clock) {
        this.slots = slots;
        this.clock = clock;
    }

    /** What a take found: a slot held by the chat now, or the limit that is full (the user's is asked first). */
    public enum Taken {
        TAKEN, USER_FULL, APP_FULL
    }

    /**
     * Takes a run slot of the app for the chat: answers {@code true} when the chat holds one now (taken, or already
     * held), {@code false} when the user's or the app's limit is reached (nothing is then held).
     */
    public Mono<Boolean> take(AppId appId, String userId, String chatId, AppLimits limits) {
        return claim(appId, userId, chatId, limits).map(taken -> taken == Taken.TAKEN);
    }

    /** {@link #take}, answering which limit refused it, for a refusal that names it. */
    public Mono<Taken> claim(AppId appId, String userId, String chatId, AppLimits limits) {
        Instant now = clock.instant();
        Document holder = new Document(CHAT, chatId).append(USER, userId).append(TAKEN_AT, Date.from(now));
        return takeOne(userDocument(appId, userId), new Document("app_id", appId.value()).append("user_id", userId), holder,
                limits.concurrentRunsPerUser(), CREATE_RACES)
                .flatMap(user -> !user ? Mono.just(Taken.USER_FULL)
                        : takeOne(appDocument(appId), new Document("app_id", appId.value()), holder, limits.concurrentRunsPerApp(),
                                CREATE_RACES)
                                .flatMap(app -> app ? Mono.just(Taken.TAKEN)
                                        : releaseOne(userDocument(appId, userId), chatId).thenReturn(Taken.APP_FULL)));
    }

    /** Gives the chat's slot back (its user's and its app's); does nothing when it holds none. */
    public Mono<Void> release(AppId appId, String userId, String chatId) {
        return releaseOne(appDocument(appId), chatId).then(releaseOne(userDocument(appId, userId), chatId));
    }

    /**
     * Gives the chat's slot back, its user found in the app's holder (so the chat need not be read first): one
     * conditional update answering the app's document as it was, then the user's. Does nothing when the app's document
     * does not hold the chat (a leak only in the user's is the reaper's, {@link #userHolders}).
     */
    @SuppressWarnings("unchecked")
    public Mono<GiveBack> giveBack(AppId appId, String chatId) {
        return Mono.from(slots.findOneAndUpdate(and(eq("_id", appDocument(appId)), eq(HOLDERS + "." + CHAT, chatId)),
                        Updates.combine(Updates.inc(COUNT, -1), Updates.pull(HOLDERS, new Document(CHAT, chatId))),
                        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE)))
                .flatMap(before -> {
                    String userId = ((List<Document>) before.get(HOLDERS, List.class)).stream()
                            .filter(entry -> chatId.equals(entry.getString(CHAT))).map(entry -> entry.getString(USER))
                            .findFirst().orElseThrow();
                    return releaseOne(userDocument(appId, userId), chatId).thenReturn(new GiveBack(true, before.get(QUEUED) != null));
                })
                .defaultIfEmpty(new GiveBack(false, false));
    }

    /** Notes that a chat of the app went queued for a slot: the next {@link #giveBack} answers {@code queued}. */
    public Mono<Void> markQueued(AppId appId) {
        Bson mark = Updates.set(QUEUED, Date.from(clock.instant()));
        return Mono.from(slots.updateOne(eq("_id", appDocument(appId)), Updates.combine(mark, Updates.setOnInsert("app_id", appId.value()),
                        Updates.setOnInsert(COUNT, 0), Updates.setOnInsert(HOLDERS, List.of())), new UpdateOptions().upsert(true)))
                // A first take created the document meanwhile: mark it as it is.
                .onErrorResume(Duplicates::isDuplicate, collided -> Mono.from(slots.updateOne(eq("_id", appDocument(appId)), mark)))
                .then();
    }

    /**
     * Forgets the mark when no chat of the app was queued as of {@code asOf} (a promotion found none); a chat queued since
     * marks again.
     */
    public Mono<Void> clearQueued(AppId appId, Instant asOf) {
        return Mono.from(slots.updateOne(and(eq("_id", appDocument(appId)), lt(QUEUED, Date.from(asOf))), Updates.unset(QUEUED))).then();
    }

    /** How many runs of the app hold a slot. */
    public Mono<Long> held(AppId appId) {
        return count(appDocument(appId));
    }

    /** How many runs of the user in the app hold a slot. */
    public Mono<Long> held(AppId appId, String userId) {
        return count(userDocument(appId, userId));
    }

    /** The chats holding the app's slots, oldest first. */
    @SuppressWarnings("unchecked")
    public Flux<Holder> holders(AppId appId) {
        return Mono.from(slots.find(eq("_id", appDocument(appId))).first())
                .flatMapIterable(document -> (List<Document>) document.get(HOLDERS, List.class))
                .map(entry -> new Holder(entry.getString(CHAT), entry.getString(USER), entry.getDate(TAKEN_AT).toInstant()));
    }

    /**
     * The chats holding the slots of the app's users. A crash between a user's take and the app's leaves a holder only
     * here, so reconciliation reads both.
     */
    @SuppressWarnings("unchecked")
    public Flux<Holder> userHolders(AppId appId) {
        return Flux.from(slots.find(and(eq("app_id", appId.value()), exists("user_id"))))
                .flatMapIterable(document -> (List<Document>) document.get(HOLDERS, List.class))
                .map(entry -> new Holder(entry.getString(CHAT), entry.getString(USER), entry.getDate(TAKEN_AT).toInstant()));
    }

    /** Forgets an app's slots (the app's data is purged). */
    public Mono<Void> forget(AppId appId) {
        return Mono.from(slots.deleteMany(eq("app_id", appId.value()))).then();
    }

    /**
     * Takes one of the app's places for child workflows ({@code parallel_child_workflows}) for {@code child} (a key of the
     * fan-out run and the child's place in it), in the app's {@code children:<app>} document, the same way as a run slot:
     * {@code true} when the child holds one now (taken, or already held), {@code false} when all are held.
     */
    public Mono<Boolean> takeChildPlace(AppId appId, String child, int limit) {
        Document holder = new Document(CHAT, child).append(TAKEN_AT, Date.from(clock.instant()));
        return takeOne(childDocument(appId), new Document("app_id", appId.value()), holder, limit, CREATE_RACES);
    }

    /** Gives a child's place back; does nothing when it holds none. */
    public Mono<Void> releaseChildPlace(AppId appId, String child) {
        return releaseOne(childDocument(appId), child);
    }

    /** The children holding the app's places (for giving back those a crash left held by ended children). */
    @SuppressWarnings("unchecked")
    public Mono<java.util.Set<String>> childPlaceHolders(AppId appId) {
        return Mono.from(slots.find(eq("_id", childDocument(appId))).first())
                .map(document -> ((List<Document>) document.get(HOLDERS, List.class)).stream().map(entry -> entry.getString(CHAT))
                        .collect(java.util.stream.Collectors.toSet()))
                .defaultIfEmpty(java.util.Set.of());
    }

    /**
     * Counts the chat into a document below its limit. The upsert creates a missing document; when the document exists
     * but does not match (full, or the chat already in it), the upsert collides on {@code _id}, and one read tells which.
     */
    private Mono<Boolean> takeOne(String id, Document identity, Document holder, int limit, int races) {
        if (limit < 1) {
            return Mono.just(false);
        }
        String chatId = holder.getString(CHAT);
        Bson filter = and(eq("_id", id), lt(COUNT, limit), ne(HOLDERS + "." + CHAT, chatId));
        List<Bson> updates = new java.util.ArrayList<>(List.of(Updates.inc(COUNT, 1), Updates.push(HOLDERS, holder)));
        identity.forEach((name, value) -> updates.add(Updates.setOnInsert(name, value)));
        return Mono.from(slots.updateOne(filter, Updates.combine(updates), new UpdateOptions().upsert(true)))
                .thenReturn(true)
                .onErrorResume(Duplicates::isDuplicate, collided -> Mono.from(slots.find(eq("_id", id)).first())
                        .flatMap(found -> {
                            if (holds(found, chatId)) {
                                return Mono.just(true);
                            }
                            // Not full and not ours: another first take created the document meanwhile; take again.
                            boolean room = ((Number) found.get(COUNT)).intValue() < limit;
                            return room && races > 0 ? takeOne(id, identity, holder, limit, races - 1) : Mono.just(false);
                        })
                        .switchIfEmpty(Mono.defer(() -> races > 0 ? takeOne(id, identity, holder, limit, races - 1) : Mono.just(false))));
    }

    private Mono<Void> releaseOne(String id, String chatId) {
        return Mono.from(slots.updateOne(and(eq("_id", id), eq(HOLDERS + "." + CHAT, chatId)),
                Updates.combine(Updates.inc(COUNT, -1), Updates.pull(HOLDERS, new Document(CHAT, chatId))))).then();
    }

    private Mono<Long> count(String id) {
        return Mono.from(slots.find(eq("_id", id)).first())
                .map(document -> ((Number) document.get(COUNT)).longValue())
                .defaultIfEmpty(0L);
    }

    @SuppressWarnings("unchecked")
    private static boolean holds(Document document, String chatId) {
        List<Document> holders = (List<Document>) document.get(HOLDERS, List.class);
        return holders != null && holders.stream().anyMatch(entry -> chatId.equals(entry.getString(CHAT)));
    }

    private static String appDocument(AppId appId) {
        return "app:" + appId.value();
    }

    private static String childDocument(AppId appId) {
        return "children:" + appId.value();
    }

    private static String userDocument(AppId appId, String userId) {
        return "user:" + appId.value() + ":" + userId;
    }
}
