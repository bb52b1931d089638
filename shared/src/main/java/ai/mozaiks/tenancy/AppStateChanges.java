package ai.mozaiks.tenancy;

import ai.mozaiks.kernel.AppId;
import reactor.core.publisher.Mono;

/**
 * What the runtime does when an app's state changed (suspended, resumed, deleted, restored): forget what it cached of
 * the app's state, and close a stopped app's open realtime connections. Best effort: it never fails the change.
 */
@FunctionalInterface
public interface AppStateChanges {
    Mono<Void> changed(AppId appId, String status);
}
