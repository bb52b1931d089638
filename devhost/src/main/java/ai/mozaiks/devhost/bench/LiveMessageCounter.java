package ai.mozaiks.devhost.bench;

import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.tenancy.AppId;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * Counts the messages the engine would send to Web PubSub between two {@link #take()}s: stored events
 * (one message per call) and text deltas. The benchmark measures the engine, not the service's latency.
 */
final class LiveMessageCounter implements ChatFeed {
    /** Messages of one phase: event batches and deltas. */
    record Counts(int batches, int deltas) {
        int messages() {
            return batches + deltas;
        }
    }

    private final AtomicInteger batches = new AtomicInteger();
    private final AtomicInteger deltas = new AtomicInteger();

    @Override
    public Mono<Void> publish(AppId appId, String chatId, List<ChatEvent> events) {
        return Mono.fromRunnable(batches::incrementAndGet);
    }

    @Override
    public Mono<Void> delta(AppId appId, String chatId, String agent, String text) {
        return Mono.fromRunnable(deltas::incrementAndGet);
    }

    Counts take() {
        return new Counts(batches.getAndSet(0), deltas.getAndSet(0));
    }
}
