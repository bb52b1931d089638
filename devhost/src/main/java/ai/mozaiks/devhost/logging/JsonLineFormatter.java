package ai.mozaiks.devhost.logging;

import ai.mozaiks.http.Json;
import ai.mozaiks.logging.StructuredLogRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line: time, level, logger, message, then the record's fields (invocation id,
 * app and chat ids, ...) and any fixed fields of the handler, such as the function being invoked.
 */
public final class JsonLineFormatter extends Formatter {
    private final Map<String, Object> fixed;

    public JsonLineFormatter() {
        this(Map.of());
    }

    public JsonLineFormatter(Map<String, Object> fixed) {
        this.fixed = Map.copyOf(fixed);
    }

    @Override
    public String format(LogRecord record) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.ofEpochMilli(record.getMillis()).toString());
        line.put("level", record.getLevel().getName());
        line.put("logger", record.getLoggerName());
        line.putAll(fixed);
        if (record instanceof StructuredLogRecord structured) {
            line.put("msg", structured.event());
            structured.fields().forEach(line::putIfAbsent);
        } else {
            line.put("msg", formatMessage(record));
        }
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            line.put("error", thrown.getClass().getName() + ": " + thrown.getMessage());
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            line.put("stack", trace.toString());
        }
        return Json.write(line) + System.lineSeparator();
    }
}
