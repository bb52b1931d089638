package ai.mozaiks.persistence;

import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails any test during which a {@link CosmosRuProfile} reported a violation, whichever platform or fixture in this
 * JVM sent the command (the profile reports each one on its logger). Registered for every test by service loading
 * ({@code META-INF/services/org.junit.jupiter.api.extension.Extension}, with extension auto-detection on in the
 * build); a test that breaks a rule on purpose says {@link BreaksStrictProfile}. Commands sent outside a test
 * method (a class's set-up) fail the class.
 */
public final class StrictProfileExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    /** The settings that switch the profile on, as the suite runs it: an RU account with a TTL on a custom path. */
    public static final Map<String, String> SETTINGS = Map.of(
            "MONGODB_STRICT_PROFILE", "cosmos-ru",
            "MONGODB_STRICT_TTL_ON_CUSTOM_PATH", "true");

    private static final Logger PROFILE_LOG = Logger.getLogger(CosmosRuProfile.class.getName());
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StrictProfileExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Recorder recorder = new Recorder();
        PROFILE_LOG.addHandler(recorder);
        context.getStore(NAMESPACE).put(Recorder.class, recorder);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check(context, "during this test");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            check(context, "while the class set up or tore down");
        } finally {
            Recorder recorder = context.getStore(NAMESPACE).remove(Recorder.class, Recorder.class);
            if (recorder != null) {
                PROFILE_LOG.removeHandler(recorder);
            }
        }
    }

    private static void check(ExtensionContext context, String when) {
        Recorder recorder = context.getStore(NAMESPACE).get(Recorder.class, Recorder.class);
        if (recorder == null) {
            return;
        }
        List<String> reported = recorder.drain();
        if (reported.isEmpty() || expected(context)) {
            return;
        }
        throw new AssertionError("the Cosmos RU profile reported " + reported.size() + " violation(s) " + when + ":\n  "
                + String.join("\n  ", reported));
    }

    private static boolean expected(ExtensionContext context) {
        boolean onMethod = context.getTestMethod().map(method -> method.isAnnotationPresent(BreaksStrictProfile.class)).orElse(false);
        boolean onClass = context.getTestClass().map(type -> type.isAnnotationPresent(BreaksStrictProfile.class)).orElse(false);
        return onMethod || onClass;
    }

    private static final class Recorder extends Handler {
        private final List<String> messages = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                messages.add(MessageFormat.format(record.getMessage(), record.getParameters() == null ? new Object[0] : record.getParameters()));
            }
        }

        synchronized List<String> drain() {
            List<String> drained = List.copyOf(messages);
            messages.clear();
            return drained;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
