package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.lt;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.kernel.LruMap;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.UsageFields;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Projections;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * The tokens an app's model calls used in the current calendar month (UTC), summed from its minute buckets
 * ({@code usage_minutes}) and kept per app on this instance, so that asking before every model call costs no write and
 * about one small read per app every {@link #FRESH}.
 *
 * <p>A reading is a <em>base</em>, the sum of the month's buckets before {@code upTo}, plus the <em>recent</em> buckets
 * from {@code upTo} on. The base is one aggregation the first time an app is asked about in a month (and every
 * {@link #REBASE}); after that only the recent buckets are read (a handful of small documents, their minute and tokens),
 * at most once per {@link #FRESH}, and {@code upTo} moves forward with that same read: the buckets it passes are added to
 * the base. {@code upTo} stays {@link #LAG} behind now, because a bucket is written after its step commits, with the
 * commit's stamp: a minute is frozen into the base only once its buckets are normally complete.
 *
 * <p>What that costs: tokens written into a minute already in the base (a step whose commit happened more than
 * {@link #LAG} before its bucket was written, as a redelivered step's events and usage stored late with the old stamp)
 * are missed by this instance until its next full re-base, at most {@link #REBASE} later; an instance that bases later
 * counts them. Readings of at most {@link #MAX_APPS} apps are kept, least recently asked first out.
 */
public final class MonthlyTokens {
    /** How long a reading stands for an app. */
    public static final Duration FRESH = Duration.ofSeconds(2);
    /** How far behind now the base ends. */
    static final Duration LAG = Duration.ofMinutes(5);
    /** How often an app's base is summed again in full, which picks up buckets written late into it. */
    static final Duration REBASE = Duration.ofHours(1);
    static final int MAX_APPS = 10_000;
    private static final String TOKENS = "tokens";

    private final AppDatabases databases;
    private final Clock clock;
    private final Map<AppId, Reading> readings; // guarded by itself

    public MonthlyTokens(AppDatabases databases, Clock clock) {
        this(databases, clock, MAX_APPS);
    }

    MonthlyTokens(AppDatabases databases, Clock clock, int maxApps) {
        this.databases = databases;
        this.clock = clock;
        this.readings = new LruMap<>(maxApps);
    }

    /**
     * One app's month: the buckets in [month, upTo) summed in {@code base} (in full at {@code basedAt}, moved forward
     * since), those from {@code upTo} on in {@code recent}, read at {@code readAt}.
     */
    private record Reading(Instant month, long base, Instant upTo, Instant basedAt, long recent, Instant readAt) {
        long total() {
            return base + recent;
        }
    }

    private record Bucket(Instant minute, long tokens) {
    }

    /** The first instant of the current month: the start {@link #thisMonth} counts from. */
    public Instant currentMonth() {
        return UsageFields.monthStart(clock.instant());
    }

    /** The tokens {@code appId}'s model calls used since the start of the current month (UTC). */
    public Mono<Long> thisMonth(AppId appId) {
        return Mono.defer(() -> {
            Instant now = clock.instant();
            Instant month = UsageFields.monthStart(now);
            Reading last = reading(appId);
            if (last != null && last.month().equals(month) && now.isBefore(last.readAt().plus(FRESH))) {
                return Mono.just(last.total());
            }
            Instant upTo = max(month, now.truncatedTo(ChronoUnit.MINUTES).minus(LAG));
            boolean rebase = last == null || !last.month().equals(month) || !now.isBefore(last.basedAt().plus(REBASE));
            return databases.forApp(appId).map(db -> db.collection(RuntimeCollection.USAGE_MINUTES))
                    .flatMap(minutes -> rebase ? based(minutes, month, upTo, now) : movedOn(minutes, last, upTo, now))
                    .doOnNext(reading -> remember(appId, reading))
                    .map(Reading::total);
        });
    }

    /** A reading from scratch: the month's buckets before {@code upTo} in one aggregation, then the recent ones. */
    private Mono<Reading> based(AppCollection minutes, Instant month, Instant upTo, Instant now) {
        return minutes.aggregate(List.of(
                        Aggregates.match(and(gte(UsageFields.MINUTE, Date.from(month)), lt(UsageFields.MINUTE, Date.from(upTo)))),
                        Aggregates.group(null, Accumulators.sum(TOKENS, "$" + UsageFields.TOTAL_TOKENS))))
                .next()
                .map(sum -> ((Number) sum.get(TOKENS)).longValue())
                .defaultIfEmpty(0L)
                .flatMap(base -> recent(minutes, month, upTo)
                        .map(buckets -> new Reading(month, base, upTo, now, sum(buckets, upTo, false), now)));
    }

    /** The last reading brought up to date: the buckets from its {@code upTo} on, those now before {@code upTo} into the base. */
    private Mono<Reading> movedOn(AppCollection minutes, Reading last, Instant upTo, Instant now) {
        Instant from = last.upTo();
        Instant to = max(from, upTo);
        return recent(minutes, last.month(), from).map(buckets -> new Reading(last.month(), last.base() + sum(buckets, to, true),
                to, last.basedAt(), sum(buckets, to, false), now));
    }

    /** The month's buckets from {@code from} on: their minute and tokens only (a bucket also holds its steps' markers). */
    private static Mono<List<Bucket>> recent(AppCollection minutes, Instant month, Instant from) {
        Instant next = month.atZone(ZoneOffset.UTC).plusMonths(1).toInstant();
        return minutes.aggregate(List.of(
                        Aggregates.match(and(gte(UsageFields.MINUTE, Date.from(from)), lt(UsageFields.MINUTE, Date.from(next)))),
                        Aggregates.project(Projections.fields(Projections.include(UsageFields.MINUTE, UsageFields.TOTAL_TOKENS),
                                Projections.excludeId()))))
                .map(found -> new Bucket(found.getDate(UsageFields.MINUTE).toInstant(),
                        found.get(UsageFields.TOTAL_TOKENS) instanceof Number tokens ? tokens.longValue() : 0L))
                .collectList();
    }

    /** The tokens of the buckets before {@code split} ({@code before}) or from it on. */
    private static long sum(List<Bucket> buckets, Instant split, boolean before) {
        return buckets.stream().filter(bucket -> bucket.minute().isBefore(split) == before).mapToLong(Bucket::tokens).sum();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private Reading reading(AppId appId) {
        synchronized (readings) {
            return readings.get(appId);
        }
    }

    /** Keeps the newer of two readings made at once (both are right; the later one has seen more). */
    private void remember(AppId appId, Reading reading) {
        synchronized (readings) {
            Reading kept = readings.get(appId);
            if (kept == null || !kept.readAt().isAfter(reading.readAt())) {
                readings.put(appId, reading);
            }
        }
    }
}
