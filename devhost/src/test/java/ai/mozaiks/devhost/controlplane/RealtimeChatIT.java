package ai.mozaiks.devhost.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.NodeScript;
import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chats over Web PubSub on the local host: the real browser client library against the emulator, whose
 * upstream calls reach the function app's handler; the offline model answers.
 */
class RealtimeChatIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final String UPSTREAM = "/api/realtime/upstream";

    @TempDir
    Path temp;

    @Test
    void aClientAwayForLongerThanTheRecoveryWindowComesBackWithAFreshUrlAndTheWholeTranscript() throws Exception {
        User carol = cp.user("realtime-carol");
        String app = cp.createApp(carol, cp.createTenant(carol), "pro");

        JsonNode result = NodeScript.run("chat-realtime.mjs", Map.of("base", cp.base.toString(), "userToken", carol.token(),
                "appId", app, "awayMs", ControlPlane.RECOVERY_WINDOW.plusMillis(1500).toMillis()), Duration.ofSeconds(150), temp);

        List<Long> seqs = longs(result.path("seqs"));
        assertEquals(longs(result.path("storedSeqs")), seqs, "the client holds exactly what the log holds");
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(i + 1, seqs.get(i), "every seq once, in order: " + seqs);
        }
        assertEquals(List.of("user", "Assistant", "user", "Assistant"), strings(result.path("agents")),
                "both messages and both answers, the one produced while away included");
        assertTrue(result.path("connections").asInt() >= 2, "a new connection after the window: " + result);
        assertTrue(result.path("urls").asInt() >= 2, "with a fresh client URL from the broker: " + result);
        assertTrue(result.path("liveDeltas").asInt() >= 1, "the live answer streamed as deltas: " + result);
    }

    @Test
    void theHandlerAnswersOnlyTheConfiguredServiceAndOnlySignedCalls() {
        Response validated = cp.send("OPTIONS", UPSTREAM, null, null, "WebHook-Request-Origin", "localhost");
        assertEquals(200, validated.status());
        assertEquals("localhost", validated.headers().firstValue("WebHook-Allowed-Origin").orElse(null));
        assertEquals(400, cp.send("OPTIONS", UPSTREAM, null, null, "WebHook-Request-Origin", "evil.example.com").status());

        String state = java.util.Base64.getEncoder().encodeToString(
                "{\"app_id\":\"app_x\",\"chat_id\":\"chat_y\",\"user_id\":\"mallory\"}".getBytes(StandardCharsets.UTF_8));
        String body = "{\"client_message_id\":\"m-1\",\"text\":\"let me in\"}";
        Response forged = cp.send("POST", UPSTREAM, null, body, "ce-type", "azure.webpubsub.user.user.input.submit",
                "ce-connectionId", "conn-1", "ce-signature", "sha256=" + ControlPlane.hmac("not-the-key", "conn-1"), "ce-connectionState", state);
        assertEquals(401, forged.status());
        assertEquals("invalid_signature", forged.json().path("code").asText());
        assertEquals(401, cp.send("POST", UPSTREAM, null, body, "ce-type", "azure.webpubsub.user.user.input.submit",
                "ce-connectionId", "conn-1", "ce-connectionState", state).status(), "unsigned");

        // Signed by the service but not for a chat's connection: refused, and nothing was written for it.
        Response noChat = cp.send("POST", UPSTREAM, null, "{}", "ce-type", "azure.webpubsub.sys.connect",
                "ce-connectionId", "conn-2", "ce-signature", "sha256=" + ControlPlane.hmac(ControlPlane.ACCESS_KEY, "conn-2"),
                "ce-userId", "mallory");
        assertEquals(403, noChat.status());
    }


    private static List<Long> longs(JsonNode array) {
        List<Long> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asLong()));
        return values;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
