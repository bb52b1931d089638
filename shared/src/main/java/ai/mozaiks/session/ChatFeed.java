package ai.mozaiks.session;

import ai.mozaiks.kernel.AppId;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * Where a chat's events go live, after they are stored: the chat's Web PubSub group. Delivery is
 * best effort by design: the event log is the record, and a client that missed a message catches up
 * from it by seq. So a failure here is reported and swallowed, never fails the caller.
 */
public interface ChatFeed {
    /** Stored events of one chat, in seq order, as one message (a JSON array of envelopes). */
    Mono<Void> publish(AppId appId, String chatId, List<ChatEvent> events);

    /** A coalesced piece of an agent's reply as it streams: {@code chat.text_delta}, never stored. */
    Mono<Void> delta(AppId appId, String chatId, String agent, String text);

    /** A live-only event without a seq ({@code {type, data}}): a step's text reset, or a retry the log could not take. */
    default Mono<Void> signal(AppId appId, String chatId, EventKind kind, Map<String, ?> data) {
        return Mono.empty();
    }
}
