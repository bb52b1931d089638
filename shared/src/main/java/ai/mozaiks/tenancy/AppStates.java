package ai.mozaiks.tenancy;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.kernel.AppId;
import reactor.core.publisher.Mono;

/**
 * Whether an app's chats may move: the runtime asks before it takes a user's message, a UI tool's answer, a realtime
 * connection, or runs a queued step. {@link CachedAppStates} answers from the control plane with a short cache.
 */
@FunctionalInterface
public interface AppStates {
    /** {@code active}, {@code suspended} or {@code deleted} (an app being purged, purged or unknown counts as deleted). */
    Mono<String> status(AppId appId);

    /** Passes for an active app; otherwise 409 {@code app_suspended} or {@code app_deleted}. */
    default Mono<Void> requireActive(AppId appId) {
        return status(appId).flatMap(status -> AppService.ACTIVE.equals(status) ? Mono.<Void>empty()
                : Mono.error(ApiException.conflict("app_" + status, "The app is " + status + "; it takes no input and runs nothing.")));
    }
}
