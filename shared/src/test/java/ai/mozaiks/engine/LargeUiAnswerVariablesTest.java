package ai.mozaiks.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.http.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The context variables a UI tool answer sets stay bounded on the chat document. */
class LargeUiAnswerVariablesTest {
    private static final String PAYLOAD = "ui-call_1-" + "a".repeat(32);

    @Test
    void aLargeValueIsKeptAsASummaryAndSmallOrUntouchedOnesAsTheyAre() {
        Document untouched = new Document("big", "u".repeat(40_000));
        Map<String, Object> before = new LinkedHashMap<>();
        before.put("earlier", untouched);
        before.put("page", 1);
        Map<String, Object> after = new LinkedHashMap<>(before);
        after.put("page", 3);
        after.put("notes", "n".repeat(100_000));

        ChatInputs.BoundedVariables bounded = ChatInputs.boundedVariables(before, after, PAYLOAD);
        Map<String, Object> kept = bounded.values();

        assertTrue(bounded.summarised());
        assertSame(untouched, kept.get("earlier"), "a variable the answer left alone is untouched, however large");
        assertEquals(3, kept.get("page"), "a small value is kept as it is");
        @SuppressWarnings("unchecked")
        Map<String, Object> notes = (Map<String, Object>) kept.get("notes");
        assertEquals(PAYLOAD, notes.get("payload_id"));
        assertEquals(100_002, notes.get("chars"), "the value's size as JSON");
        assertEquals(true, notes.get("truncated"));
        assertEquals(ChatInputs.INLINE_UI_RESPONSE_CHARS, ((String) notes.get("preview")).length());
        assertTrue(Json.write(kept).length() < 60_000, "the variables stay bounded");
    }

    @Test
    void smallValuesUnderTheBudgetAreKeptWhole() {
        Map<String, Object> after = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            after.put("v" + i, "x".repeat(15_000));
        }
        ChatInputs.BoundedVariables bounded = ChatInputs.boundedVariables(Map.of(), after, PAYLOAD);
        assertFalse(bounded.summarised(), "150 K characters are within the budget");
        assertEquals(after, bounded.values());
    }

    @Test
    void manyVariablesJustUnderTheEachLimitAreSummarisedLargestFirstUntilTheTotalFitsTheBudget() {
        // 128 definitions (a pack's most) each mapping ~16,000 characters: ~2 MiB, each under the per-variable limit.
        Map<String, Object> after = new LinkedHashMap<>();
        after.put("small", true);
        for (int i = 0; i < 128; i++) {
            after.put("v" + i, "x".repeat(15_000 + i));
        }
        ChatInputs.BoundedVariables bounded = ChatInputs.boundedVariables(Map.of(), after, PAYLOAD);

        assertTrue(bounded.summarised());
        int total = Json.write(bounded.values()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertTrue(total <= ChatInputs.UI_VARIABLES_BUDGET, "the variables are " + total + " characters of JSON");
        assertEquals(true, bounded.values().get("small"), "a value smaller than its summary is kept");
        // The largest went first: the smallest large ones are still whole.
        assertTrue(bounded.values().get("v127") instanceof Map, "the largest is a summary");
        assertEquals("x".repeat(15_000), bounded.values().get("v0"), "the smallest is kept whole");
        @SuppressWarnings("unchecked")
        Map<String, Object> largest = (Map<String, Object>) bounded.values().get("v127");
        assertEquals(PAYLOAD, largest.get("payload_id"));
        assertEquals(15_127 + 2, largest.get("chars"));
        assertEquals(true, largest.get("truncated"));
        assertTrue(((String) largest.get("preview")).length() < ChatInputs.INLINE_UI_RESPONSE_CHARS, "a shorter preview");
    }

    @Test
    void whenOtherVariablesHoldTheBudgetEveryOneTheAnswerSetIsASummaryWithAShortPreview() {
        Map<String, Object> before = new LinkedHashMap<>();
        before.put("config", "c".repeat(ChatInputs.UI_VARIABLES_BUDGET));
        Map<String, Object> after = new LinkedHashMap<>(before);
        for (int i = 0; i < 128; i++) {
            after.put("v" + i, "x".repeat(16_000));
        }
        ChatInputs.BoundedVariables bounded = ChatInputs.boundedVariables(before, after, PAYLOAD);

        assertSame(before.get("config"), bounded.values().get("config"));
        for (int i = 0; i < 128; i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> summary = (Map<String, Object>) bounded.values().get("v" + i);
            assertEquals(ChatInputs.SHORT_PREVIEW_CHARS, ((String) summary.get("preview")).length());
        }
        int added = Json.write(bounded.values()).length() - Json.write(before).length();
        assertTrue(added < 128 * 512, "what the answer added is " + added + " characters");
    }

    @Test
    void theBudgetCountsBytesSoNonAsciiValuesCannotTripleTheDocument() {
        // 128 values of 8,000 three-byte characters: 1 M characters, but 3 MB as BSON stores them.
        Map<String, Object> after = new LinkedHashMap<>();
        for (int i = 0; i < 128; i++) {
            after.put("v" + i, "\u6f6e".repeat(8_000));
        }
        ChatInputs.BoundedVariables bounded = ChatInputs.boundedVariables(Map.of(), after, PAYLOAD);

        assertTrue(bounded.summarised());
        int bytes = Json.write(bounded.values()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertTrue(bytes <= ChatInputs.UI_VARIABLES_BUDGET, "the variables are " + bytes + " bytes of JSON");
    }
}
