package ai.mozaiks.realtime;

import ai.mozaiks.config.RealtimeSettings;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.messaging.webpubsub.WebPubSubServiceAsyncClient;
import com.azure.messaging.webpubsub.WebPubSubServiceClientBuilder;
import com.azure.messaging.webpubsub.models.GetClientAccessTokenOptions;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Client URLs for Azure Web PubSub that let a browser into exactly one chat's group: joined at
 * connect and re-joinable after a reconnect, and nothing else (no sending to groups: clients talk
 * to the platform through upstream events).
 */
public final class ClientAccess {
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

    /** A {@code wss://.../client/hubs/<hub>?access_token=...} URL for {@code userId}, valid for {@code lifetime}. */
    public Mono<String> chatUrl(String appId, String chatId, String userId, Duration lifetime) {
        String group = group(appId, chatId);
        return service.getClientAccessToken(new GetClientAccessTokenOptions()
                        .setUserId(userId)
                        .setGroups(List.of(group))
                        .setRoles(List.of("webpubsub.joinLeaveGroup." + group))
                        .setExpiresAfter(lifetime))
                .map(token -> token.getUrl());
    }

    public WebPubSubServiceAsyncClient service() {
        return service;
    }
}
