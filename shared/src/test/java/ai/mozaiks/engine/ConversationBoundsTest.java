package ai.mozaiks.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.models.ToolCall;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** What the chat document keeps of a conversation stays bounded however large the tools' results are. */
class ConversationBoundsTest {
    @Test
    void aLargeToolResultIsKeptAsItsHeadAndANoteAndASmallOneWhole() {
        String small = "x".repeat(ConversationState.MAX_MESSAGE_CHARS);
        assertSame(small, ConversationState.Message.tool("c1", small).content());

        String large = "y".repeat(256 * 1024);
        String kept = ConversationState.Message.tool("c2", large).content();
        assertTrue(kept.length() <= ConversationState.MAX_MESSAGE_CHARS, "at most the limit: " + kept.length());
        assertTrue(kept.startsWith("yyyy"));
        assertTrue(kept.endsWith("of " + large.length() + " characters]"), kept.substring(kept.length() - 60));
    }

    @Test
    void theHeadOfALongerTextKeptElsewhereGivesTheWholeTextsSize() {
        String head = "h".repeat(1000);
        String shown = ConversationState.bounded(head, 2000, 3_000_000);
        assertTrue(shown.startsWith(head), "the head, whole, when it fits");
        assertTrue(shown.endsWith("[truncated: the first 1000 of 3000000 characters]"), shown.substring(1000));
        String cut = ConversationState.bounded(head, 500, 3_000_000);
        assertTrue(cut.length() <= 500, "at most the limit: " + cut.length());
        assertTrue(cut.endsWith(" of 3000000 characters]"), cut);
        assertSame(head, ConversationState.bounded(head, 2000, head.length()), "a whole text that fits is kept as it is");
    }

    @Test
    void aSurrogatePairIsNeverSplit() {
        String emoji = "\uD83D\uDE00".repeat(40_000);
        String kept = ConversationState.bounded(emoji, 1001);
        String head = kept.substring(0, kept.indexOf('\n'));
        assertEquals(0, head.length() % 2, "whole pairs only");
    }

    @Test
    void tenLargeResultsAndManyLargeAnswersKeepTheStoredConversationUnderItsBudget() {
        ConversationState state = ConversationState.start(Map.of());
        for (int round = 0; round < 5; round++) {
            List<ToolCall> calls = new ArrayList<>();
            List<ConversationState.Message> added = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(new ToolCall("call-" + round + "-" + i, "fetch", JsonNodeFactory.instance.objectNode().put("page", i)));
            }
            added.add(ConversationState.Message.assistant("Researcher", null, calls, false));
            for (ToolCall call : calls) {
                // Non-ASCII text: three bytes a character, so the budget is counted in bytes.
                added.add(ConversationState.Message.tool(call.id(), "\u4e2d".repeat(256 * 1024)));
            }
            state = state.withMessages(added, ConversationState.DEFAULT_WINDOW);
            long bytes = new org.bson.RawBsonDocument(new Document("conversation", state.toDocument()), new org.bson.codecs.DocumentCodec()).getByteBuffer().remaining();
            assertTrue(bytes < ConversationState.MAX_STORED_BYTES + 64 * 1024, "round " + round + ": " + bytes + " bytes");
            assertEquals(ConversationState.Message.Role.ASSISTANT, state.messages().get(0).role(), "starts on the calls");
            int current = round;
            assertEquals(10, state.messages().stream().filter(m -> m.toolCallId() != null && m.toolCallId().startsWith("call-" + current + "-")).count(),
                    "every call of the newest reply keeps an answer");
        }
    }
}
