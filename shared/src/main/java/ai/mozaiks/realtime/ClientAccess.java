package ai.mozaiks.realtime;

import ai.mozaiks.config.RealtimeSettings;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.rest.RequestOptions;
import com.azure.messaging.webpubsub.WebPubSubServiceAsyncClient;
import com.azure.messaging.webpubsub.WebPubSubServiceClientBuilder;
import com.azure.messaging.webpubsub.models.GetClientAccessTokenOptions;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import reactor.core.publisher.Mono;

/**
 * Client URLs for Azure Web PubSub that let a browser into exactly one chat's group: joined at
 * connect and re-joinable after a reconnect, and nothing else (no sending to groups: clients talk
 * to the platform through upstream events). Every connection also joins its app's group ({@link #appGroup}),
 * which it cannot leave and which carries nothing: it lets a suspended or deleted app's connections be closed at once.
 */
public final class ClientAccess {
    private static final Logger LOG = Logger.getLogger(ClientAccess.class.getName());
    /** The longest a suspension waits for its connections to be closed. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private final WebPubSubServiceAsyncClient service;

    public ClientAccess(RealtimeSettings settings, TokenCredential identity) {
        // Live delivery is best effort (clients catch up from the log), so a step never waits out the SDK's
        // default back-off: one quick retry, then the send is given up.
        WebPubSubServiceClientBuilder builder = new WebPubSubServiceClientBuilder().hub(settings.hub())
                .retryOptions(new RetryOptions(new FixedDelayOptions(1, Duration.ofMillis(100))));
        if (settings.connectionString() != null) {
            builder.connectionString(settings.connectionString());
        } else {
            builder.endpoint(settings.endpoint()).credential(identity);
        }
        this.service = builder.buildAsyncClient();
    }

    /** The chat's group: one per chat, named so that two apps' chats can never share one. */
    public static String group(String appId, String chatId) {
        return appId + "." + chatId;
    }

    /** The app's group: every connection to one of its chats. App ids have no dot, so it is no chat's group. */
    public static String appGroup(String appId) {
        return appId;
    }

    /** A {@code wss://.../client/hubs/<hub>?access_token=...} URL for {@code userId}, valid for {@code lifetime}. */
    public Mono<String> chatUrl(String appId, String chatId, String userId, Duration lifetime) {
        String group = group(appId, chatId);
        return service.getClientAccessToken(new GetClientAccessTokenOptions()
                        .setUserId(userId)
                        .setGroups(List.of(group, appGroup(appId)))
                        .setRoles(List.of("webpubsub.joinLeaveGroup." + group))
                        .setExpiresAfter(lifetime))
                .map(token -> token.getUrl());
    }

    /**
     * Closes every open connection to the app's chats, telling the clients {@code reason}. Best effort: an outage
     * is logged, not raised (a closed app's clients reconnect in vain, and their events are refused anyway).
     */
    public Mono<Void> closeApp(String appId, String reason) {
        return Mono.defer(() -> service.closeGroupConnectionsWithResponse(appGroup(appId),
                        new RequestOptions().addQueryParam("reason", reason)))
                .timeout(CLOSE_TIMEOUT)
                .then()
                .onErrorResume(error -> {
                    LOG.log(Level.WARNING, "could not close the connections of app {0}: {1}",
                            new Object[] {appId, error.getClass().getSimpleName()});
                    return Mono.empty();
                });
    }

    public WebPubSubServiceAsyncClient service() {
        return service;
    }
}
