package ai.mozaiks.realtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.identity.RuntimeToken;
import ai.mozaiks.config.RealtimeSettings;
import ai.mozaiks.http.Json;
import ai.mozaiks.kernel.AppId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class UpstreamAuthTest {
    private static final String PRIMARY = "cHJpbWFyeS1rZXktb2YtdGhlLXNlcnZpY2UtMzIhIQ==";
    private static final String SECONDARY = "c2Vjb25kYXJ5LWtleS1vZi10aGUtc2VydmljZS0zMiE=";

    private static UpstreamAuth auth(List<String> keys) {
        return new UpstreamAuth(new RealtimeSettings("Endpoint=https://chat-prod.webpubsub.azure.com;AccessKey=" + PRIMARY + ";Version=1.0;",
                null, "chat", new byte[32], Duration.ofMinutes(15), keys));
    }

    private static String sign(String key, String connectionId) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(connectionId.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anEntryOfAnyConfiguredKeyIsEnoughAndNothingElseIs() throws Exception {
        UpstreamAuth both = auth(List.of(PRIMARY, SECONDARY));

        assertDoesNotThrow(() -> both.verify("c1", sign(PRIMARY, "c1")));
        assertDoesNotThrow(() -> both.verify("c1", sign("rotated-away", "c1") + "," + sign(SECONDARY, "c1").toUpperCase()));
        assertEquals(401, assertThrows(ApiException.class, () -> both.verify("c2", sign(PRIMARY, "c1"))).problem().status(),
                "signed for another connection");
        assertThrows(ApiException.class, () -> both.verify("c1", sign("unknown", "c1")));
        assertThrows(ApiException.class, () -> both.verify("c1", null));
        assertThrows(ApiException.class, () -> both.verify("c1", "md5=abc"));
        assertThrows(ApiException.class, () -> auth(List.of()).verify("c1", sign(PRIMARY, "c1")), "no keys: everything refused");
    }

    @Test
    void onlyTheServicesOwnHostPassesTheHandshake() {
        UpstreamAuth auth = auth(List.of(PRIMARY));

        assertEquals(Optional.of("chat-prod.webpubsub.azure.com"), auth.allowedOrigin("CHAT-PROD.webpubsub.azure.com"));
        assertEquals(Optional.empty(), auth.allowedOrigin("attacker.example.com"));
        assertEquals(Optional.empty(), auth.allowedOrigin(null));
    }

    @Test
    void aConnectionIsBoundToTheOneChatItsClientUrlNamesAndKeepsItInItsState() {
        UpstreamAuth auth = auth(List.of(PRIMARY));
        RuntimeToken chat = auth.chatOfConnect("enduser:ann", Json.read("{\"claims\":{\"webpubsub.group\":[\"app_1.chat_9\"]}}"));

        assertEquals(new RuntimeToken(AppId.of("app_1"), "enduser:ann", "chat_9", null), chat);
        assertEquals(chat, UpstreamAuth.chatOf(UpstreamAuth.state(chat)));
        for (String claims : List.of("{}", "{\"claims\":{}}", "{\"claims\":{\"webpubsub.group\":[\"a.b\",\"c.d\"]}}",
                "{\"claims\":{\"webpubsub.group\":\"nodot\"}}", "{\"claims\":{\"webpubsub.group\":\"bad app!.chat\"}}")) {
            assertEquals(403, assertThrows(ApiException.class, () -> auth.chatOfConnect("ann", Json.read(claims))).problem().status(),
                    claims);
        }
        assertThrows(ApiException.class, () -> auth.chatOfConnect(null, Json.read("{\"claims\":{\"webpubsub.group\":\"a.b\"}}")));
        // A client URL also joins the app's own group; any other second group is refused.
        assertEquals(chat, auth.chatOfConnect("enduser:ann", Json.read("{\"claims\":{\"webpubsub.group\":[\"app_1.chat_9\",\"app_1\"]}}")));
        assertEquals(chat, auth.chatOfConnect("enduser:ann", Json.read("{\"claims\":{\"webpubsub.group\":[\"app_1\",\"app_1.chat_9\"]}}")));
        for (String claims : List.of("{\"claims\":{\"webpubsub.group\":[\"app_1.chat_9\",\"app_2\"]}}",
                "{\"claims\":{\"webpubsub.group\":[\"app_1.chat_9\",\"app_1\",\"app_1\"]}}",
                "{\"claims\":{\"webpubsub.group\":[\"app_1\"]}}")) {
            assertEquals(403, assertThrows(ApiException.class, () -> auth.chatOfConnect("ann", Json.read(claims))).problem().status(),
                    claims);
        }
        assertEquals(400, assertThrows(ApiException.class, () -> UpstreamAuth.chatOf(null)).problem().status());
        assertEquals(400, assertThrows(ApiException.class, () -> UpstreamAuth.chatOf("bm90IGpzb24=")).problem().status());
    }
}
