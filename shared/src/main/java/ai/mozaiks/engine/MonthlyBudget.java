package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.MonthlyTokens;
import reactor.core.publisher.Mono;

/**
 * Checks an app's monthly token budget before a model call: the month's tokens as {@link MonthlyTokens} keeps them on this
 * instance (its month counter, a reading standing for {@link MonthlyTokens#FRESH}) against the budget from
 * {@link TokenBudgets}. An app can therefore go past its budget by what it spends in that time and by the calls of steps
 * under way (their tokens count when they commit); the next call after that is refused.
 */
final class MonthlyBudget {
    private final TokenBudgets budgets;
    private final MonthlyTokens tokens;

    MonthlyBudget(TokenBudgets budgets, MonthlyTokens tokens) {
        this.budgets = budgets;
        this.tokens = tokens;
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

    /**
     * Starts reading the app's month now, when it has a budget and this instance's reading has lapsed, so a {@link #check}
     * a few round trips later finds it read or being read ({@link MonthlyTokens} reads an app once at a time). A failure
     * is the check's to meet: it reads again.
     */
    void readAhead(AppId app) {
        budgets.monthlyTokens(app).filter(budget -> budget != Long.MAX_VALUE).flatMap(budget -> tokens.thisMonth(app))
                .subscribe(used -> { }, error -> { });
    }

    /** Completes empty when the app may call the model; fails with {@link Exhausted} when it may not. */
    Mono<Void> check(Turn turn) {
        AppId app = turn.message.appId();
        return budgets.monthlyTokens(app).flatMap(budget -> budget == Long.MAX_VALUE ? Mono.empty()
                : tokens.thisMonth(app).flatMap(used -> used < budget ? Mono.<Void>empty() : Mono.error(new Exhausted(used, budget))));
    }
}
