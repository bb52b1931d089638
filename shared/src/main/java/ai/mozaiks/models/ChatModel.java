package ai.mozaiks.models;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The port to a chat model. Calls are non-blocking: on Flex Consumption an instance is billed
 * while it waits for a model, so a step must never park a thread on one.
 *
 * <p>A stream emits text and tool-call deltas as they arrive and ends with exactly one
 * {@link ModelEvent.Completed}. Failures are {@link ModelException}s whose kind tells the caller
 * whether a retry can help; providers never retry on their own.
 */
public interface ChatModel {

    Flux<ModelEvent> stream(ModelRequest request);

    /** The whole reply at once: the final event of {@link #stream}. */
    default Mono<ModelResponse> complete(ModelRequest request) {
        return stream(request)
                .ofType(ModelEvent.Completed.class)
                .map(ModelEvent.Completed::response)
                .singleOrEmpty()
                .switchIfEmpty(Mono.error(() -> new ModelException(ModelException.Kind.INVALID_RESPONSE,
                        request.requestId(), "the model's stream ended without a final event")));
    }
}
