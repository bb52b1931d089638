package ai.mozaiks.realtime;

import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.session.ChatFeed;
import java.util.List;
import java.util.Map;
import ai.mozaiks.session.EventKind;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;

/** Keeps what the engine sent live, in order, so a test can compare it with the log. */
public final class RecordingFeed implements ChatFeed {
    /** One call: stored events of a chat, or one delta (then {@code events} is empty). */
    public record Sent(String chatId, List<ChatEvent> events, String agent, String delta) {
        public boolean isDelta() {
            return delta != null;
        }
    }

    /** A live-only event without a seq. */
    public record Signal(String chatId, EventKind kind, Map<String, ?> data) {
    }

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final List<Signal> signals = new CopyOnWriteArrayList<>();
    /** Deltas and live-only events in the order sent: {@code delta:<text>} or {@code <type>}. */
    private final List<String> live = new CopyOnWriteArrayList<>();

    @Override
    public Mono<Void> publish(AppId appId, String chatId, List<ChatEvent> events) {
        return Mono.fromRunnable(() -> sent.add(new Sent(chatId, List.copyOf(events), null, null)));
    }

    @Override
    public Mono<Void> delta(AppId appId, String chatId, String agent, String text) {
        return Mono.fromRunnable(() -> {
            sent.add(new Sent(chatId, List.of(), agent, text));
            live.add("delta:" + text);
        });
    }

    @Override
    public Mono<Void> signal(AppId appId, String chatId, EventKind kind, Map<String, ?> data) {
        return Mono.fromRunnable(() -> {
            signals.add(new Signal(chatId, kind, Map.copyOf(data)));
            live.add(kind.type());
        });
    }

    /** What went out without a seq, in order: {@code delta:<text>} per delta, the type of each live-only event. */
    public List<String> live() {
        return List.copyOf(live);
    }

    public List<Signal> signals() {
        return List.copyOf(signals);
    }

    public List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** The seqs of every stored event sent, in the order sent. */
    public List<Long> seqs(String chatId) {
        return sent.stream().filter(s -> s.chatId().equals(chatId)).flatMap(s -> s.events().stream())
                .map(ChatEvent::seq).toList();
    }
}
