package ai.mozaiks.logging;

import ai.mozaiks.kernel.AppId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The log of one invocation: every line carries the invocation id and, once known, the app and
 * chat it concerns. Lines go to the logger the host hands the invocation (the Functions logger in
 * Azure; JSON lines in the devhost), as text for people and as fields for machines.
 */
public final class InvocationLog {
    private final Logger sink;
    private final Map<String, Object> context;

    private InvocationLog(Logger sink, Map<String, Object> context) {
        this.sink = sink;
        this.context = context;
    }

    public static InvocationLog of(Logger sink, String invocationId) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("invocation_id", invocationId);
        return new InvocationLog(sink, context);
    }

    public InvocationLog withApp(AppId appId) {
        return with("app_id", appId.value());
    }

    public InvocationLog withChat(String chatId) {
        return with("chat_id", chatId);
    }

    private InvocationLog with(String key, Object value) {
        Map<String, Object> next = new LinkedHashMap<>(context);
        next.put(key, value);
        return new InvocationLog(sink, next);
    }

    public void info(String event, Object... keyValues) {
        log(Level.INFO, event, null, keyValues);
    }

    public void warn(String event, Object... keyValues) {
        log(Level.WARNING, event, null, keyValues);
    }

    public void error(String event, Throwable error, Object... keyValues) {
        log(Level.SEVERE, event, error, keyValues);
    }

    private void log(Level level, String event, Throwable error, Object... keyValues) {
        if (!sink.isLoggable(level)) {
            return;
        }
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("key/value pairs expected");
        }
        Map<String, Object> fields = new LinkedHashMap<>(context);
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
        }
        StringBuilder text = new StringBuilder(event);
        fields.forEach((key, value) -> text.append(' ').append(key).append('=').append(value));
        StructuredLogRecord record = new StructuredLogRecord(level, text.toString(), event, fields);
        record.setLoggerName(sink.getName());
        record.setThrown(error);
        sink.log(record);
    }
}
