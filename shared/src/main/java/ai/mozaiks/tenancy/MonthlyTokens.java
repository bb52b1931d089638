package ai.mozaiks.tenancy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/**
 * An app's tokens this calendar month (UTC), for the budget check at session start. Summing a month of minute buckets
 * is not work for every start: a total is reused for {@link #FRESH}, so a budget may be overrun by at most what the
 * app uses in that time.
 */
final class MonthlyTokens {
    static final Duration FRESH = Duration.ofMinutes(1);
    /** Apps remembered at most; past it the memo starts over (it only saves work). */
    private static final int MAX_APPS = 10_000;

    private record Total(Instant monthStart, Instant at, long tokens) {
    }

    private final AppUsage usage;
    private final Clock clock;
    private final Map<AppId, Total> totals = new ConcurrentHashMap<>();

    MonthlyTokens(AppUsage usage, Clock clock) {
        this.usage = usage;
        this.clock = clock;
    }

    static Instant monthStart(Instant now) {
        return now.atZone(ZoneOffset.UTC).withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).toInstant();
    }

    static Instant nextMonth(Instant now) {
        return monthStart(now).atZone(ZoneOffset.UTC).plusMonths(1).toInstant();
    }

    Mono<Long> of(AppId appId) {
        Instant now = clock.instant();
        Instant monthStart = monthStart(now);
        Total known = totals.get(appId);
        if (known != null && known.monthStart().equals(monthStart) && known.at().plus(FRESH).isAfter(now)) {
            return Mono.just(known.tokens());
        }
        return usage.tokensSince(appId, monthStart).doOnNext(tokens -> {
            if (totals.size() >= MAX_APPS) {
                totals.clear();
            }
            totals.put(appId, new Total(monthStart, now, tokens));
        });
    }
}
