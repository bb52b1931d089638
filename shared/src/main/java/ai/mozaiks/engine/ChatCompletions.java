package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import reactor.core.publisher.Mono;

/** What follows a chat's completion (a journey's next step); asked by the step runner, at least once per completion. */
@FunctionalInterface
public interface ChatCompletions {
    Mono<Void> completed(AppId appId, String chatId);
}
