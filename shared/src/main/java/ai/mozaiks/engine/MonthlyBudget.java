package ai.mozaiks.engine;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.persistence.UsageFields;
import java.time.Clock;
import java.time.Instant;
import reactor.core.publisher.Mono;

/**
 * Checks an app's monthly token budget before a model call: one read of the month's counter in {@code usage_months}
 * (by id) against the budget from {@link TokenBudgets}. Tokens of the step in progress count once it commits, so a
 * step may take an app past its budget by that step's own calls; the next call is refused.
 */
final class MonthlyBudget {
    private final TokenBudgets budgets;
    private final Clock clock;

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

    /** Completes empty when the app may call the model; fails with {@link Exhausted} when it may not. */
    Mono<Void> check(Turn turn) {
        return budgets.monthlyTokens(turn.message.appId()).flatMap(budget -> {
            if (budget == Long.MAX_VALUE) {
                return Mono.empty();
            }
            Instant now = clock.instant();
            return turn.months.findOne(eq("_id", UsageFields.monthId(turn.message.appId().value(), now)))
                    .map(month -> month.get(UsageLedger.TOTAL_TOKENS) instanceof Number used ? used.longValue() : 0L)
                    .defaultIfEmpty(0L)
                    .flatMap(used -> used < budget ? Mono.<Void>empty() : Mono.error(new Exhausted(used, budget)));
        });
    }
}
