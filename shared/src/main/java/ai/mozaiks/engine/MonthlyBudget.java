package ai.mozaiks.engine;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.UsageFields;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/**
 * Checks an app's monthly token budget before a model call: the month's counter in {@code usage_months} (one read by
 * id) against the budget from {@link TokenBudgets}. A reading is reused for {@link #FRESH} (as long as the app states the
 * budget comes with are cached), so a busy app costs one read per instance per {@link #FRESH}, not one per call. An app
 * can therefore go past its budget by what it spends in that time, and by the calls of steps under way (their tokens
 * count when they commit); the next call after that is refused.
 */
final class MonthlyBudget {
    /** How long a reading of an app's month counter stands for it. */
    static final Duration FRESH = Duration.ofSeconds(2);
    private static final int MAX_REMEMBERED = 10_000;

    private final TokenBudgets budgets;
    private final Clock clock;
    private final Map<AppId, Reading> readings = new ConcurrentHashMap<>();

    MonthlyBudget(TokenBudgets budgets, Clock clock) {
        this.budgets = budgets;
        this.clock = clock;
    }

    /** The app has used its month's tokens: no model call is made, and the turn ends with a {@code BUDGET_EXHAUSTED} error. */
    static final class Exhausted extends RuntimeException {
        final long used;
        final long budget;

        Exhausted(long used, long budget) {
            super("the app used " + used + " of its " + budget + " tokens this month", null, false, false);
            this.used = used;
            this.budget = budget;
        }
    }

    private record Reading(String month, long used, Instant until) {
    }

    /** Completes empty when the app may call the model; fails with {@link Exhausted} when it may not. */
    Mono<Void> check(Turn turn) {
        AppId app = turn.message.appId();
        return budgets.monthlyTokens(app).flatMap(budget -> budget == Long.MAX_VALUE ? Mono.empty()
                : used(turn, app).flatMap(used -> used < budget ? Mono.<Void>empty() : Mono.error(new Exhausted(used, budget))));
    }

    private Mono<Long> used(Turn turn, AppId app) {
        Instant now = clock.instant();
        String month = UsageFields.monthId(app.value(), now);
        Reading last = readings.get(app);
        if (last != null && last.month().equals(month) && last.until().isAfter(now)) {
            return Mono.just(last.used());
        }
        return turn.months.findOne(eq("_id", month))
                .map(found -> found.get(UsageLedger.TOTAL_TOKENS) instanceof Number used ? used.longValue() : 0L)
                .defaultIfEmpty(0L)
                .doOnNext(used -> remember(app, new Reading(month, used, now.plus(FRESH))));
    }

    private void remember(AppId app, Reading reading) {
        if (readings.size() >= MAX_REMEMBERED) {
            Instant now = clock.instant();
            readings.values().removeIf(old -> !old.until().isAfter(now));
            if (readings.size() >= MAX_REMEMBERED) {
                readings.clear();
            }
        }
        readings.put(app, reading);
    }
}
