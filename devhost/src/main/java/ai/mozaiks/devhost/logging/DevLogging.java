package ai.mozaiks.devhost.logging;

import java.io.PrintStream;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/** Routes all JUL (and, through slf4j-jdk14, SLF4J) logging to JSON lines on standard output. */
public final class DevLogging {
    private static final Map<String, Level> QUIET = Map.of(
            "org.mongodb.driver", Level.WARNING,
            "de.bwaldvogel", Level.WARNING,
            "io.netty", Level.WARNING,
            "com.azure", Level.WARNING,
            "reactor", Level.WARNING);

    private DevLogging() {
    }

    public static void configure() {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.INFO);
        root.addHandler(handler(System.out, new JsonLineFormatter()));
        QUIET.forEach((name, level) -> Logger.getLogger(name).setLevel(level));
    }

    /** A logger for one invocation whose every line names the function and the invocation. */
    public static Logger invocationLogger(String functionName, String invocationId) {
        Logger logger = Logger.getAnonymousLogger();
        logger.setUseParentHandlers(false);
        // No level of its own: it follows the root's (INFO once configured; a benchmark may quiet it).
        logger.addHandler(handler(System.out, new JsonLineFormatter(Map.of(
                "function", functionName, "invocation_id", invocationId))));
        return logger;
    }

    private static Handler handler(PrintStream out, JsonLineFormatter formatter) {
        StreamHandler handler = new StreamHandler(out, formatter) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        handler.setLevel(Level.ALL);
        return handler;
    }
}
