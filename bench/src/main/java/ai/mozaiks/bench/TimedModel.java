package ai.mozaiks.bench;

import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelRequest;
import reactor.core.publisher.Flux;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ChatModel} that times another: from the subscription to the model's last event, with the whole
 * reply gathered first so the caller's handling of each event is not counted as model time. The time adds
 * up until {@link #take()}.
 */
final class TimedModel implements ChatModel {
    private final ChatModel model;
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();

    TimedModel(ChatModel model) {
        this.model = model;
    }

    @Override
    public Flux<ModelEvent> stream(ModelRequest request) {
        return Flux.defer(() -> {
            long start = System.nanoTime();
            return model.stream(request).collectList()
                    .doOnNext(events -> {
                        nanos.addAndGet(System.nanoTime() - start);
                        calls.incrementAndGet();
                    })
                    .flatMapMany(Flux::fromIterable);
        });
    }

    /** The model's time (ns) since the last take, resetting it. */
    long take() {
        calls.set(0);
        return nanos.getAndSet(0);
    }

    /** Model calls since the last take (read before {@link #take()}). */
    long calls() {
        return calls.get();
    }
}
