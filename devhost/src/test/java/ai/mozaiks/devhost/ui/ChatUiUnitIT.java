package ai.mozaiks.devhost.ui;

import ai.mozaiks.devhost.NodeScript;
import ai.mozaiks.devhost.ProjectHome;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The ChatUI's own unit tests (Vitest, in web/), run with the rest of the suite so one command runs them all. */
class ChatUiUnitIT {
    private static final Duration DEADLINE = Duration.ofMinutes(10);

    @Test
    void theChatUisUnitTestsPass() throws Exception {
        Path home = ProjectHome.find();
        // Installs web/node_modules when missing or stale, and builds what the browser test serves.
        NodeScript.command(home, DEADLINE, "bash", "web/build-if-stale");
        NodeScript.command(home.resolve("web"), DEADLINE, "npm", "test", "--silent");
    }
}
