package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import reactor.core.publisher.Mono;

/** What the step runner tells the coordinator of child workflows; each call is safe to repeat (at-least-once). */
public interface ChildWorkflows {
    /** The chat committed waiting for children: start its fan-out. */
    Mono<Void> spawn(AppId appId, String parentChatId);

    /** The chat ended (completed, failed, cancelled): if it is a child, its parent's fan-out takes note. */
    Mono<Void> ended(AppId appId, String chatId);

    /** For a runner whose workflows declare no fan-out (a benchmark's): no chat waits for children, none is one. */
    static ChildWorkflows none() {
        return new ChildWorkflows() {
            @Override
            public Mono<Void> spawn(AppId appId, String parentChatId) {
                return Mono.error(new IllegalStateException("chat " + parentChatId + " fans out, but this runner has no child workflows"));
            }

            @Override
            public Mono<Void> ended(AppId appId, String chatId) {
                return Mono.empty();
            }
        };
    }
}
