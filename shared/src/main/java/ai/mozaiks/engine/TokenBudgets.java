package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import reactor.core.publisher.Mono;

/**
 * How many tokens an app's model calls may use per calendar month (UTC): its tier's {@code monthly_token_budget}, or
 * an operations override. Asked before every model call, so an implementation answers from what it already keeps
 * (the platform's answers from its cached app states: no control-plane read per call).
 */
@FunctionalInterface
public interface TokenBudgets {
    /** No budget: nothing is checked, nothing is read. */
    TokenBudgets UNLIMITED = appId -> Mono.just(Long.MAX_VALUE);

    Mono<Long> monthlyTokens(AppId appId);
}
