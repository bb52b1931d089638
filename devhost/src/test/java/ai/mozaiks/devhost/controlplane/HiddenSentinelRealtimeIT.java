package ai.mozaiks.devhost.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.NodeScript;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a browser receives over Web PubSub while {@code interview_research_summary} runs on the offline model: the
 * Interviewer's {@code ui_hidden} sentinel {@code READY_FOR_RESEARCH} is in no live {@code chat.text_delta}, while the
 * other agents' replies stream in full.
 */
class HiddenSentinelRealtimeIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final String SENTINEL = "READY_FOR_RESEARCH";

    @TempDir
    Path temp;

    @Test
    void theHiddenSentinelReachesTheBrowserInNoDelta() throws Exception {
        User erin = cp.user("hidden-erin");
        String app = cp.createApp(erin, cp.createTenant(erin), "pro");

        JsonNode result = NodeScript.run("chat-hidden-sentinel.mjs", Map.of("base", cp.base.toString(), "userToken", erin.token(),
                "appId", app), Duration.ofSeconds(150), temp);

        JsonNode sentinel = null;
        String notes = null;
        for (JsonNode text : result.path("texts")) {
            if (SENTINEL.equals(text.path("content").asText())) {
                sentinel = text;
            } else if ("Researcher".equals(text.path("agent").asText())) {
                notes = text.path("content").asText();
            }
        }
        assertTrue(sentinel != null && sentinel.path("hidden").asBoolean(), "the stored sentinel is hidden: " + result);
        List<String> deltas = new ArrayList<>();
        StringBuilder researcher = new StringBuilder();
        for (JsonNode delta : result.path("deltas")) {
            deltas.add(delta.path("agent").asText() + ":" + delta.path("content").asText());
            if ("Researcher".equals(delta.path("agent").asText())) {
                researcher.append(delta.path("content").asText());
            }
        }
        assertFalse(deltas.stream().anyMatch(delta -> delta.contains(SENTINEL)), "no delta carries the sentinel: " + deltas);
        assertEquals(notes, researcher.toString(), "the next agent's reply streamed in full: " + deltas);
    }
}
