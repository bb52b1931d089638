package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.ne;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.kernel.LruMap;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.UsageFields;
import ai.mozaiks.session.Duplicates;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Mono;

/**
 * The tokens an app's model calls used in a calendar month (UTC), as a running counter per app and month in
 * {@code usage_months}: the engine adds a step's tokens when its minute bucket counts the step ({@link #add}), the
 * monthly budget reads the counter with one point read by {@code _id} ({@link #thisMonth}), and a reading stands on this
 * instance for {@link #FRESH}, so asking before every model call costs about one small read per app every
 * {@link #FRESH}.
 *
 * <p>Usage is recorded at least once: the minute bucket ({@code usage_minutes}) marks the steps it counted, and the
 * month is incremented (an upsert) only by the write that counted the step there, so a redelivered step adds nothing.
 * An attempt that dies between the two writes leaves its step out of the month, never in twice; the minute buckets stay
 * the record for reporting.
 *
 * <p>Seeding, so a deploy mid-month stays right: usage counted before the month's counter existed (by a version of the
 * platform without counters) is added to it once, from the month's minute buckets (one aggregation). A reading that
 * finds no counter creates it with the sum of the month's buckets. A step that creates it notes its minute
 * ({@code since}) and adds the buckets before that minute with a conditional update on {@code seeded}, which a later
 * reading does instead if that step died first. Every counted step creates or increments the counter, so those buckets
 * hold nothing counted twice; old-version usage within the minute a step created the counter is left out.
 */
public final class MonthlyTokens {
    /** How long a reading stands for an app. */
    public static final Duration FRESH = Duration.ofSeconds(2);
    static final int MAX_APPS = 10_000;
    /** Fields of {@code usage_months}. */
    static final String MONTH = "month";
    static final String TOTAL_TOKENS = UsageFields.TOTAL_TOKENS;
    /** The minute the counter was created: usage before it is added once from the minute buckets. */
    static final String SINCE = "since";
    /** Set once the usage before {@link #SINCE} is in the counter. */
    static final String SEEDED = "seeded";
    private static final FindOneAndUpdateOptions AFTER = new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER);
    private static final DateTimeFormatter MONTH_ID = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);

    private final AppDatabases databases;
    private final Clock clock;
    private final Map<AppId, Reading> readings; // guarded by itself
    /** Reads under way, one per app and month at most (by counter id). */
    private final Map<String, Mono<Long>> reads = new ConcurrentHashMap<>();

    public MonthlyTokens(AppDatabases databases, Clock clock) {
        this(databases, clock, MAX_APPS);
    }

    MonthlyTokens(AppDatabases databases, Clock clock, int maxApps) {
        this.databases = databases;
        this.clock = clock;
        this.readings = new LruMap<>(maxApps);
    }

    /** One app's month as read at {@code readAt}. */
    private record Reading(Instant month, long total, Instant readAt) {
    }

    /** The first instant of the current month: the start {@link #thisMonth} counts from. */
    public Instant currentMonth() {
        return UsageFields.monthStart(clock.instant());
    }

    /** The counter's id: {@code <app_id>:<yyyy-MM>}. */
    static String counterId(AppId appId, Instant month) {
        return appId.value() + ":" + MONTH_ID.format(month);
    }

    /** The tokens {@code appId}'s model calls used since the start of the current month (UTC). */
    public Mono<Long> thisMonth(AppId appId) {
        return Mono.defer(() -> {
            Instant now = clock.instant();
            Instant month = UsageFields.monthStart(now);
            Reading last = reading(appId);
            if (fresh(last, month, now)) {
                return Mono.just(last.total());
            }
            // One read of an app at a time: a caller arriving while it is under way shares it.
            String id = counterId(appId, month);
            AtomicReference<Mono<Long>> self = new AtomicReference<>();
            // Gone from the map before its answer reaches anyone, so a caller after it never shares a read that has ended.
            Mono<Long> read = read(appId, month, now).doOnEach(signal -> reads.remove(id, self.get())).cache();
            self.set(read);
            Mono<Long> under = reads.putIfAbsent(id, read);
            if (under != null) {
                return under;
            }
            // A read that ended between the check above and this one left its reading (it is remembered before it leaves
            // the map): that is used, and this read, not yet subscribed, is never made.
            Reading meanwhile = reading(appId);
            if (fresh(meanwhile, month, now)) {
                reads.remove(id, read);
                return Mono.just(meanwhile.total());
            }
            return read;
        });
    }

    private static boolean fresh(Reading reading, Instant month, Instant now) {
        return reading != null && reading.month().equals(month) && now.isBefore(reading.readAt().plus(FRESH));
    }

    private Mono<Long> read(AppId appId, Instant month, Instant now) {
        return databases.forApp(appId).flatMap(db -> {
                    AppCollection minutes = db.collection(RuntimeCollection.USAGE_MINUTES);
                    AppCollection months = db.collection(RuntimeCollection.USAGE_MONTHS);
                    String id = counterId(appId, month);
                    return months.findOne(eq("_id", id))
                            .switchIfEmpty(Mono.defer(() -> created(minutes, months, id, month, now)))
                            .flatMap(counter -> counter.getBoolean(SEEDED, false) ? Mono.just(tokens(counter))
                                    : seeded(minutes, months, counter));
                })
                .doOnNext(total -> remember(appId, new Reading(month, total, now)));
    }

    /**
     * Adds a step's tokens to the month of {@code at} (its commit's stamp, as its minute bucket): called once per step,
     * by the write that counted it in its minute bucket. The write that creates the counter seeds it.
     */
    public Mono<Void> add(AppCollection minutes, AppCollection months, Instant at, long tokens) {
        Instant month = UsageFields.monthStart(at);
        String id = counterId(months.appId(), month);
        Bson update = Updates.combine(Updates.inc(TOTAL_TOKENS, tokens), Updates.setOnInsert(MONTH, Date.from(month)),
                Updates.setOnInsert(SINCE, Date.from(at.truncatedTo(ChronoUnit.MINUTES))));
        return months.updateOne(eq("_id", id), update, true)
                // Two steps creating the counter at once: the loser's upsert collides on _id and increments instead.
                .onErrorResume(Duplicates::isDuplicate, collided -> months.updateOne(eq("_id", id), update, false))
                .filter(result -> result.getUpsertedId() != null)
                .flatMap(created -> months.findOne(eq("_id", id)))
                .flatMap(counter -> seeded(minutes, months, counter))
                .then();
    }

    /**
     * A counter created for a reading, already seeded: the month's minute buckets summed, then inserted with that sum
     * (or the one a step created meanwhile, which seeds itself).
     */
    private static Mono<Document> created(AppCollection minutes, AppCollection months, String id, Instant month, Instant now) {
        return sum(minutes, month, month.atZone(ZoneOffset.UTC).plusMonths(1).toInstant())
                .flatMap(sum -> months.updateOne(eq("_id", id), Updates.combine(Updates.setOnInsert(MONTH, Date.from(month)),
                                Updates.setOnInsert(SINCE, Date.from(now)), Updates.setOnInsert(TOTAL_TOKENS, sum),
                                Updates.setOnInsert(SEEDED, true)), true)
                        .onErrorResume(Duplicates::isDuplicate, collided -> Mono.empty()))
                .then(months.findOne(eq("_id", id)));
    }

    /** The tokens of the app's minute buckets in [from, to). */
    private static Mono<Long> sum(AppCollection minutes, Instant from, Instant to) {
        return minutes.aggregate(List.of(
                        Aggregates.match(and(gte(UsageFields.MINUTE, Date.from(from)), lt(UsageFields.MINUTE, Date.from(to)))),
                        Aggregates.group(null, Accumulators.sum(TOTAL_TOKENS, "$" + UsageFields.TOTAL_TOKENS))))
                .next()
                .map(MonthlyTokens::tokens)
                .defaultIfEmpty(0L);
    }

    /**
     * The counter with the usage counted before it existed (the month's minute buckets before {@code since}) added
     * once: the conditional update on {@code seeded} lets only one seeder add it. Answers the month's tokens.
     */
    private static Mono<Long> seeded(AppCollection minutes, AppCollection months, Document counter) {
        if (counter.getBoolean(SEEDED, false)) {
            return Mono.just(tokens(counter));
        }
        Object id = counter.get("_id");
        Instant month = counter.getDate(MONTH).toInstant();
        Instant since = counter.getDate(SINCE).toInstant();
        return sum(minutes, month, since)
                .flatMap(before -> months.findOneAndUpdate(and(eq("_id", id), ne(SEEDED, true)),
                        Updates.combine(Updates.inc(TOTAL_TOKENS, before), Updates.set(SEEDED, true)), AFTER))
                .switchIfEmpty(Mono.defer(() -> months.findOne(eq("_id", id))))
                .map(MonthlyTokens::tokens);
    }

    private static long tokens(Document document) {
        return document.get(TOTAL_TOKENS) instanceof Number tokens ? tokens.longValue() : 0L;
    }

    private Reading reading(AppId appId) {
        synchronized (readings) {
            return readings.get(appId);
        }
    }

    /** Keeps the newer of two readings made at once. */
    private void remember(AppId appId, Reading reading) {
        synchronized (readings) {
            Reading kept = readings.get(appId);
            if (kept == null || !kept.readAt().isAfter(reading.readAt())) {
                readings.put(appId, reading);
            }
        }
    }
}
