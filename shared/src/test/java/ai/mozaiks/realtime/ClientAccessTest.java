package ai.mozaiks.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.RealtimeSettings;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Web PubSub SDK signs client URLs locally with the access key: no service call, checked here. */
class ClientAccessTest {
    private static final String ACCESS_KEY = Base64.getEncoder().encodeToString("web-pubsub-access-key-32-bytes!!".getBytes(StandardCharsets.UTF_8));

    @Test
    void theUrlLetsTheUserIntoExactlyOneChatGroup() throws Exception {
        RealtimeSettings settings = new RealtimeSettings("Endpoint=http://127.0.0.1:7071;AccessKey=" + ACCESS_KEY + ";Version=1.0;",
                null, "chat", new byte[32], Duration.ofMinutes(15), java.util.List.of(ACCESS_KEY));
        String url = new ClientAccess(settings, null).chatUrl("app-1", "chat-9", "alice", Duration.ofMinutes(15)).block(Duration.ofSeconds(10));

        URI uri = URI.create(url);
        assertEquals("ws", uri.getScheme());
        assertEquals("/client/hubs/chat", uri.getPath());
        SignedJWT token = SignedJWT.parse(uri.getQuery().substring("access_token=".length()));
        assertTrue(token.verify(new MACVerifier(ACCESS_KEY.getBytes(StandardCharsets.UTF_8))), "signed with the access key");
        assertEquals("alice", token.getJWTClaimsSet().getSubject());
        assertEquals(List.of("webpubsub.joinLeaveGroup.app-1.chat-9"), token.getJWTClaimsSet().getStringListClaim("role"));
        assertEquals(List.of("app-1.chat-9", "app-1"), token.getJWTClaimsSet().getStringListClaim("webpubsub.group"),
                "the chat's group, and the app's (which the client may not leave: its role names the chat's only)");
        long lifetime = token.getJWTClaimsSet().getExpirationTime().getTime() - System.currentTimeMillis();
        assertTrue(lifetime <= Duration.ofMinutes(15).toMillis() && lifetime > Duration.ofMinutes(14).toMillis(), "lifetime " + lifetime);
    }
}
