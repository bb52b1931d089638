package ai.mozaiks.devhost.webpubsub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The reliable subprotocol's promise: every data message is numbered ({@code sequenceId}, from 1 on
 * each connection) and kept until the client acknowledges it, so it can be replayed in order after
 * the client recovers. Bounded like the service's (1000 messages, 16 MiB). Not thread-safe: its
 * connection guards it.
 */
final class ReplayBuffer {
    private static final int MAX_MESSAGES = 1000;
    private static final long MAX_CHARS = 16L * 1024 * 1024;

    private record Entry(long sequenceId, String frame) {
    }

    private final Deque<Entry> entries = new ArrayDeque<>();
    private long lastSequenceId;
    private long chars;

    /** The message, numbered, as sent and kept; null when the buffer is full. */
    String add(ObjectNode message) {
        if (entries.size() >= MAX_MESSAGES) {
            return null;
        }
        long sequenceId = lastSequenceId + 1;
        String frame = message.deepCopy().put("sequenceId", sequenceId).toString();
        if (chars + frame.length() > MAX_CHARS) {
            return null;
        }
        lastSequenceId = sequenceId;
        chars += frame.length();
        entries.addLast(new Entry(sequenceId, frame));
        return frame;
    }

    /** The client has everything up to and including {@code sequenceId}. */
    void acknowledge(long sequenceId) {
        while (!entries.isEmpty() && entries.peekFirst().sequenceId() <= sequenceId) {
            chars -= entries.pollFirst().frame().length();
        }
    }

    /** What the client has not acknowledged, oldest first. */
    List<String> unacknowledged() {
        return entries.stream().map(Entry::frame).toList();
    }
}
