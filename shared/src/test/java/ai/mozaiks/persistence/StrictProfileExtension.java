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
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails any test during which a {@link CosmosRuProfile} reported a violation, whichever platform or fixture in this
 * JVM sent the command (the profile reports each one on its logger). Registered for every test by service loading
 * ({@code META-INF/services/org.junit.jupiter.api.extension.Extension}, with extension auto-detection on in the
 * build); a test that breaks a rule on purpose says {@link BreaksStrictProfile}. Commands sent outside a test
 * method (a class's set-up) fail the class.
 */
public final class StrictProfileExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    /**
     * The settings that switch the profile on, as the suite runs it: an RU account with a TTL on a custom path, its
     * connections set up as for RU (retryable writes off, so bulk copies may be unordered).
     */
    public static final Map<String, String> SETTINGS = Map.of(
            "MONGODB_FLAVOR", "cosmos-ru",
            "MONGODB_STRICT_PROFILE", "cosmos-ru",
            "MONGODB_STRICT_TTL_ON_CUSTOM_PATH", "true");

    private static final Logger PROFILE_LOG = Logger.getLogger(CosmosRuProfile.class.getName());
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StrictProfileExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        if (recorder(context) != null) {
            return; // a @Nested class: the enclosing class's recorder serves it
        }
        Recorder recorder = new Recorder(context.getUniqueId());
        PROFILE_LOG.addHandler(recorder);
        context.getStore(NAMESPACE).put(Recorder.class, recorder);
    }

    /** What the class's set-up (or the previous test's stragglers) sent is the class's, reported when it ends. */
    @Override
    public void beforeEach(ExtensionContext context) {
        Recorder recorder = recorder(context);
        if (recorder != null) {
            recorder.setAside();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Recorder recorder = recorder(context);
        if (recorder != null) {
            check(recorder.drain(), expected(context), "during this test");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Recorder recorder = recorder(context);
        if (recorder == null || !recorder.owner.equals(context.getUniqueId())) {
            return;
        }
        PROFILE_LOG.removeHandler(recorder);
        recorder.setAside();
        check(recorder.drainSetAside(), expected(context), "outside its tests (class set-up or tear-down)");
    }

    private static Recorder recorder(ExtensionContext context) {
        return context.getStore(NAMESPACE).get(Recorder.class, Recorder.class);
    }

    private static void check(List<String> reported, boolean expected, String when) {
        if (reported.isEmpty() || expected) {
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
        private final String owner;
        private final List<String> messages = new ArrayList<>();
        private final List<String> setAside = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                messages.add(MessageFormat.format(record.getMessage(), record.getParameters() == null ? new Object[0] : record.getParameters()));
            }
        }

        Recorder(String owner) {
            this.owner = owner;
        }

        synchronized void setAside() {
            setAside.addAll(messages);
            messages.clear();
        }

        synchronized List<String> drainSetAside() {
            List<String> drained = List.copyOf(setAside);
            setAside.clear();
            return drained;
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
