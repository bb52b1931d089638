package ai.mozaiks.tenancy;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.Principal;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * How many tenants and apps one user may create per minute ({@link RateWindows}, key {@code create:<user>}). Every valid
 * attempt counts, a create then refused for its quota or a conflict too (it is attempts that are limited); one the limit
 * refuses does not. Platform administrators are not limited.
 */
public final class CreateRate {
    private final RateWindows windows;
    private final int perMinute;

    public CreateRate(RateWindows windows, int perMinute) {
        this.windows = windows;
        this.perMinute = perMinute;
    }

    /** Counts one create by {@code actor}; fails with 429 and {@code Retry-After} beyond the limit. */
    public Mono<Void> take(Principal actor) {
        if (actor.isPlatformAdmin()) {
            return Mono.empty();
        }
        return windows.take("create:" + actor.userId(), perMinute)
                .flatMap(refused -> refused.isEmpty() ? Mono.<Void>empty()
                        : Mono.error(new ApiException(Problem.of(429, "rate_limited", "Too many requests",
                                "At most " + perMinute + " tenants and apps may be created per user per minute."),
                                Map.of("Retry-After", Long.toString(refused.get().toSeconds())))));
    }
}
