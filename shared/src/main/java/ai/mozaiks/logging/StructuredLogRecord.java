package ai.mozaiks.logging;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/** A log record that carries its fields as data as well as in its text. */
public final class StructuredLogRecord extends LogRecord {
    private final String event;
    private final Map<String, Object> fields;

    StructuredLogRecord(Level level, String text, String event, Map<String, Object> fields) {
        super(level, text);
        this.event = event;
        this.fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
    }

    public String event() {
        return event;
    }

    public Map<String, Object> fields() {
        return fields;
    }
}
