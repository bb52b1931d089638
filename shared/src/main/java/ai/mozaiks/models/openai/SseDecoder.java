package ai.mozaiks.models.openai;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-sent events from a byte stream: yields the {@code data} of each event (several
 * {@code data:} lines joined by newlines, dispatched at a blank line). Lines are split on bytes, so
 * a UTF-8 character cut between two network buffers is decoded whole. Comments ({@code :...}) and
 * other fields are skipped. One per stream.
 */
final class SseDecoder {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;

    /** The events completed by these bytes. */
    List<String> feed(List<ByteBuffer> buffers) {
        List<String> events = new ArrayList<>(2);
        for (ByteBuffer buffer : buffers) {
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    onLine(line.toString(StandardCharsets.UTF_8), events);
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        }
        return events;
    }

    /** The stream ended: an event not closed by a blank line still counts. */
    List<String> end() {
        List<String> events = new ArrayList<>(1);
        if (line.size() > 0) {
            onLine(line.toString(StandardCharsets.UTF_8), events);
            line.reset();
        }
        onLine("", events);
        return events;
    }

    private void onLine(String raw, List<String> events) {
        String text = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        if (text.isEmpty()) {
            if (hasData) {
                events.add(data.toString());
                data.setLength(0);
                hasData = false;
            }
            return;
        }
        if (!text.startsWith("data:")) {
            return;
        }
        String value = text.substring(5);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (hasData) {
            data.append('\n');
        }
        data.append(value);
        hasData = true;
    }
}
