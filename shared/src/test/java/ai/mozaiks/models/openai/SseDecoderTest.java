package ai.mozaiks.models.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {

    @Test
    void aCharacterCutBetweenTwoBuffersIsDecodedWhole() {
        byte[] bytes = "data: {\"t\":\"é😀\"}\n\n".getBytes(StandardCharsets.UTF_8);
        SseDecoder decoder = new SseDecoder();
        List<String> events = new ArrayList<>();

        for (int i = 0; i < bytes.length; i++) {
            events.addAll(decoder.feed(List.of(ByteBuffer.wrap(Arrays.copyOfRange(bytes, i, i + 1)))));
        }

        assertEquals(List.of("{\"t\":\"é😀\"}"), events);
    }

    @Test
    void crlfCommentsOtherFieldsAndMultilineDataAreHandled() {
        String stream = ": keep-alive\r\nevent: message\r\ndata: line one\r\ndata:line two\r\n\r\ndata: [DONE]\r\n\r\n";

        List<String> events = new SseDecoder().feed(List.of(ByteBuffer.wrap(stream.getBytes(StandardCharsets.UTF_8))));

        assertEquals(List.of("line one\nline two", "[DONE]"), events);
    }

    @Test
    void anEventNotClosedByABlankLineCountsAtTheEnd() {
        SseDecoder decoder = new SseDecoder();

        assertEquals(List.of(), decoder.feed(List.of(ByteBuffer.wrap("data: {\"a\":1}".getBytes(StandardCharsets.UTF_8)))));
        assertEquals(List.of("{\"a\":1}"), decoder.end());
    }
}
