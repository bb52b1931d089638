package ai.mozaiks.workflows.manifest;

import java.util.Arrays;
import java.util.Optional;

/** {@code startup_mode}: who makes the first move when a chat opens. */
public enum StartupMode {
    /** The initial agent starts as soon as the client connects; the seeded message is hidden on replay. */
    AGENT_DRIVEN("AgentDriven"),
    /** The chat waits for the user's first message. */
    USER_DRIVEN("UserDriven"),
    /** No interactive user; runs from the backend. */
    BACKEND_ONLY("BackendOnly");

    private final String manifestName;

    StartupMode(String manifestName) {
        this.manifestName = manifestName;
    }

    public String manifestName() {
        return manifestName;
    }

    public static Optional<StartupMode> fromManifest(String value) {
        return Arrays.stream(values()).filter(mode -> mode.manifestName.equals(value)).findFirst();
    }
}
