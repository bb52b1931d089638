package ai.mozaiks.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.http.Json;
import ai.mozaiks.payloads.PayloadStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The context variables a large UI tool answer sets stay bounded on the chat document. */
class LargeUiAnswerVariablesTest {
    private static final PayloadStore.Stored PAYLOAD = new PayloadStore.Stored("ui-call_1-" + "a".repeat(32), 3_000_000, "{\"notes\":\"nnn");

    @Test
    void aLargeValueIsKeptAsASummaryAndSmallOrUntouchedOnesAsTheyAre() {
        Document untouched = new Document("big", "u".repeat(40_000));
        Map<String, Object> before = new LinkedHashMap<>();
        before.put("earlier", untouched);
        before.put("page", 1);
        Map<String, Object> after = new LinkedHashMap<>(before);
        after.put("page", 3);
        after.put("notes", "n".repeat(100_000));

        Map<String, Object> kept = ChatInputs.boundedVariables(before, after, PAYLOAD);

        assertSame(untouched, kept.get("earlier"), "a variable the answer left alone is untouched, however large");
        assertEquals(3, kept.get("page"), "a small value is kept as it is");
        @SuppressWarnings("unchecked")
        Map<String, Object> notes = (Map<String, Object>) kept.get("notes");
        assertEquals(PAYLOAD.payloadId(), notes.get("payload_id"));
        assertEquals(100_002, notes.get("chars"), "the value's size as JSON");
        assertEquals(true, notes.get("truncated"));
        assertEquals(ChatInputs.INLINE_UI_RESPONSE_CHARS, ((String) notes.get("preview")).length());
        assertTrue(Json.write(kept).length() < 60_000, "the variables stay bounded");
    }
}
