package ai.mozaiks.session;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An event to append. {@code key} makes the append idempotent: the log holds at most one event
 * per chat and key, so a redelivered step ({@code step:<n>:<i>}) or a retried request
 * ({@code msg:<client message id>}) never appends twice.
 */
public record NewEvent(String key, EventKind kind, Map<String, ?> data) {
    static final int MAX_KEY = 200;
    /** No '#' (tombstones use it) and no '/' (it separates the parts of an event's _id). */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]*");

    public NewEvent {
        Objects.requireNonNull(kind, "kind");
        if (!kind.persisted()) {
            throw new IllegalArgumentException(kind.type() + " is ephemeral and is never stored in the event log");
        }
        if (key == null || key.length() > MAX_KEY || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("event key must be 1-" + MAX_KEY
                    + " letters, digits, '_', '.', ':' or '-', starting with a letter or digit: " + key);
        }
        data = data == null ? Map.of() : data;
    }
}
