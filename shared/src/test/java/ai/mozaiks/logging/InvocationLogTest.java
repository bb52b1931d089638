package ai.mozaiks.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InvocationLogTest {
    private Logger logger;
    private CapturingHandler captured;

    /** Keeps every record the test logger publishes. */
    private static final class CapturingHandler extends Handler {
        final List<LogRecord> records = new ArrayList<>();

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void captureLogger() {
        logger = Logger.getLogger("ai.mozaiks.test.InvocationLogTest." + System.nanoTime());
        logger.setUseParentHandlers(false);
        logger.setLevel(Level.ALL);
        captured = new CapturingHandler();
        captured.setLevel(Level.ALL);
        logger.addHandler(captured);
    }

    @AfterEach
    void releaseLogger() {
        logger.removeHandler(captured);
    }

    private StructuredLogRecord only() {
        assertEquals(1, captured.records.size(), "records: " + captured.records);
        LogRecord record = captured.records.get(0);
        assertTrue(record instanceof StructuredLogRecord, record.getClass().getName());
        return (StructuredLogRecord) record;
    }

    @Test
    void linesCarryInvocationAppAndChatAsFieldsAndText() {
        InvocationLog log = InvocationLog.of(logger, "inv-1").withApp(AppId.of("app-a")).withChat("chat-7");

        log.info("turn_started", "seq", 3, "workflow", "support");

        StructuredLogRecord record = only();
        assertEquals(Level.INFO, record.getLevel());
        assertEquals("turn_started", record.event());
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("invocation_id", "inv-1");
        expected.put("app_id", "app-a");
        expected.put("chat_id", "chat-7");
        expected.put("seq", 3);
        expected.put("workflow", "support");
        assertEquals(expected, record.fields());
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(record.fields().keySet()), "context fields come first");
        assertEquals("turn_started invocation_id=inv-1 app_id=app-a chat_id=chat-7 seq=3 workflow=support", record.getMessage());
        assertEquals(logger.getName(), record.getLoggerName());
        assertThrows(UnsupportedOperationException.class, () -> record.fields().put("x", 1));
    }

    @Test
    void contextIsAddedWithoutChangingTheParentLog() {
        InvocationLog base = InvocationLog.of(logger, "inv-2");
        InvocationLog withApp = base.withApp(AppId.of("app-b"));

        base.info("received");
        withApp.warn("rejected", "reason", "quota");

        assertEquals(2, captured.records.size());
        StructuredLogRecord first = (StructuredLogRecord) captured.records.get(0);
        StructuredLogRecord second = (StructuredLogRecord) captured.records.get(1);
        assertEquals(Map.of("invocation_id", "inv-2"), first.fields());
        assertEquals("received invocation_id=inv-2", first.getMessage());
        assertEquals(Level.WARNING, second.getLevel());
        assertEquals("rejected invocation_id=inv-2 app_id=app-b reason=quota", second.getMessage());
    }

    @Test
    void errorsCarryTheThrowable() {
        IllegalStateException failure = new IllegalStateException("boom");

        InvocationLog.of(logger, "inv-3").withChat("c1").error("turn_failed", failure, "step", "llm");

        StructuredLogRecord record = only();
        assertEquals(Level.SEVERE, record.getLevel());
        assertSame(failure, record.getThrown());
        assertEquals("turn_failed invocation_id=inv-3 chat_id=c1 step=llm", record.getMessage());
    }

    @Test
    void oddKeyValueArgumentsThrow() {
        InvocationLog log = InvocationLog.of(logger, "inv-4");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> log.info("event", "lonely_key"));
        assertEquals("key/value pairs expected", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> log.warn("event", "a", 1, "b"));
        assertThrows(IllegalArgumentException.class, () -> log.error("event", null, "a"));
        assertEquals(List.of(), captured.records);
    }

    @Test
    void nothingIsEmittedWhenTheLevelIsDisabled() {
        logger.setLevel(Level.WARNING);
        InvocationLog log = InvocationLog.of(logger, "inv-5").withApp(AppId.of("app-a"));

        log.info("chatty", "k", "v");
        assertEquals(List.of(), captured.records);

        log.warn("important");
        assertEquals("important invocation_id=inv-5 app_id=app-a", only().getMessage());
    }
}
