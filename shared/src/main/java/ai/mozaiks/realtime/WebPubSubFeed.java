package ai.mozaiks.realtime;

import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.http.Json;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.kernel.AppId;
import com.azure.messaging.webpubsub.WebPubSubServiceAsyncClient;
import com.azure.messaging.webpubsub.models.WebPubSubContentType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import reactor.core.publisher.Mono;

/**
 * The chat feed over Azure Web PubSub: one {@code sendToGroup} per call to the chat's group
 * ({@link ClientAccess#group}), whose body is a JSON array of envelopes {@code {type, data, seq, timestamp}}
 * ({@code chat.text_delta} has no seq). A client orders and de-duplicates by seq.
 */
public final class WebPubSubFeed implements ChatFeed {
    private static final Logger LOG = Logger.getLogger(WebPubSubFeed.class.getName());
    /** The longest a step waits for one send, retry included. */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(2);

    private final WebPubSubServiceAsyncClient service;

    public WebPubSubFeed(WebPubSubServiceAsyncClient service) {
        this.service = service;
    }

    @Override
    public Mono<Void> publish(AppId appId, String chatId, List<ChatEvent> events) {
        if (events.isEmpty()) {
            return Mono.empty();
        }
        return send(appId, chatId, events.stream().map(ChatEvent::envelope).toList());
    }

    @Override
    public Mono<Void> delta(AppId appId, String chatId, String agent, String text) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("agent", agent);
        data.put("content", text);
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("type", EventKind.TEXT_DELTA.type());
        envelope.put("data", data);
        return send(appId, chatId, List.of(envelope));
    }

    @Override
    public Mono<Void> signal(AppId appId, String chatId, EventKind kind, Map<String, ?> data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("type", kind.type());
        envelope.put("data", data);
        return send(appId, chatId, List.of(envelope));
    }

    private Mono<Void> send(AppId appId, String chatId, List<Map<String, Object>> envelopes) {
        return Mono.defer(() -> service.sendToGroup(ClientAccess.group(appId.value(), chatId), Json.write(envelopes),
                        WebPubSubContentType.APPLICATION_JSON))
                .timeout(SEND_TIMEOUT)
                .onErrorResume(error -> {
                    // The log has the events; the client catches up on its next resume.
                    LOG.log(Level.WARNING, "could not publish to chat {0} of app {1}: {2}",
                            new Object[] {chatId, appId.value(), error.getClass().getSimpleName()});
                    return Mono.empty();
                });
    }
}
