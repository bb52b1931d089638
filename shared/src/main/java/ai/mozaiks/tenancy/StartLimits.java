package ai.mozaiks.tenancy;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.kernel.AppId;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * The limits a session start is counted against, each as data, none behind a lock, each refusal at once and naming its
 * limit and whose it is (the app's or the user's; "its tier" or "this app", from operations' overrides):
 * <ul>
 *   <li>the start rates ({@code starts_per_user_per_minute}, {@code starts_per_app_per_minute}; {@link RateWindows}):
 *       429 {@code rate_limited} with {@code Retry-After} until the minute ends. Every start that reaches them counts,
 *       refused later or not (attempts are limited). Platform administrators are not limited, as for creates.</li>
 *   <li>the user's open chats ({@code open_chats_per_user}): 409 {@code open_chats_limit_reached} — retrying does not
 *       help until the user finishes or cancels a chat (or the reaper closes an idle one). Counted, not reserved: starts
 *       of one user counted at the same moment can each see room, so the bound may be passed by as many starts as the
 *       user has in flight at once, which {@code starts_per_user_per_minute} bounds.</li>
 *   <li>the run slots ({@code concurrent_runs_per_user}, {@code concurrent_runs_per_app}; {@link RunSlots}): exact
 *       under any concurrency; 429 {@code run_limit_reached} with {@code Retry-After}.</li>
 * </ul>
 */
public final class StartLimits {
    /** A run slot frees up as runs end or wait for their user: soon, usually. */
    static final Duration RUN_LIMIT_RETRY = Duration.ofSeconds(10);

    private final RateWindows rates;
    private final RunSlots slots;
    private final AppUsage usage;

    public StartLimits(RateWindows rates, RunSlots slots, AppUsage usage) {
        this.rates = rates;
        this.slots = slots;
        this.usage = usage;
    }

    /** Counts one start of the user in the app, the user's rate first; 429 beyond either. */
    public Mono<Void> countStart(AppId appId, Principal user, AppLimits limits) {
        if (user.isPlatformAdmin()) {
            return Mono.empty();
        }
        return rates.take("start:user:" + appId.value() + ":" + user.userId(), limits.startsPerUserPerMinute())
                .flatMap(refused -> refused.isPresent()
                        ? Mono.error(rateLimited("You started " + limits.startsPerUserPerMinute() + " chats in this app this minute, "
                                + "the most " + allows(limits) + " one user (starts_per_user_per_minute).", refused.get()))
                        : rates.take("start:app:" + appId.value(), limits.startsPerAppPerMinute()))
                .flatMap(refused -> refused.isPresent()
                        ? Mono.error(rateLimited("The app started " + limits.startsPerAppPerMinute() + " chats this minute, the most "
                                + allows(limits) + " (starts_per_app_per_minute).", refused.get()))
                        : Mono.<Void>empty());
    }

    /** 409 when the user has as many open chats in the app as allowed. */
    public Mono<Void> checkOpenChats(AppId appId, String userId, AppLimits limits) {
        return usage.openChats(appId, userId).flatMap(open -> open < limits.openChatsPerUser() ? Mono.<Void>empty()
                : Mono.error(ApiException.conflict("open_chats_limit_reached", "You have " + open + " open chats in this app, the most "
                        + allows(limits) + " one user (open_chats_per_user); finish or cancel one to start another.")));
    }

    /** Takes a run slot for the chat (idempotent per chat id); 429 naming the full limit, nothing held then. */
    public Mono<Void> takeRunSlot(AppId appId, String userId, String chatId, AppLimits limits) {
        return slots.claim(appId, userId, chatId, limits).flatMap(taken -> switch (taken) {
            case TAKEN -> Mono.<Void>empty();
            case USER_FULL -> Mono.error(runLimit("You run " + limits.concurrentRunsPerUser() + " workflows in this app, the most "
                    + allows(limits) + " one user at once (concurrent_runs_per_user)."));
            case APP_FULL -> Mono.error(runLimit("The app runs " + limits.concurrentRunsPerApp() + " workflows, the most "
                    + allows(limits) + " at once (concurrent_runs_per_app)."));
        });
    }

    /** Gives back a slot taken for a chat that was then not created. */
    public Mono<Void> giveBack(AppId appId, String userId, String chatId) {
        return slots.release(appId, userId, chatId);
    }

    private static String allows(AppLimits limits) {
        return limits.overridden() ? "this app allows" : "its tier allows";
    }

    private static ApiException runLimit(String detail) {
        return new ApiException(Problem.of(429, "run_limit_reached", "Run limit reached", detail),
                Map.of("Retry-After", Long.toString(RUN_LIMIT_RETRY.toSeconds())));
    }

    private static ApiException rateLimited(String detail, Duration retryAfter) {
        return new ApiException(Problem.of(429, "rate_limited", "Too many requests", detail),
                Map.of("Retry-After", Long.toString(retryAfter.toSeconds())));
    }
}
