package ai.mozaiks.workflows.manifest;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code double_texting} in {@code orchestrator.yaml}: what a user's message does when it arrives
 * while a turn is running.
 */
public enum DoubleTexting {
    /** Kept as pending input and taken when the chat next waits for the user (the default). */
    ENQUEUE("enqueue"),
    /** Refused with 409 {@code turn_in_progress}. */
    REJECT("reject"),
    /** Kept as pending input; the executor stops the run at its next step boundary and takes it. */
    INTERRUPT("interrupt");

    private final String manifestName;

    DoubleTexting(String manifestName) {
        this.manifestName = manifestName;
    }

    public String manifestName() {
        return manifestName;
    }

    public static Optional<DoubleTexting> fromManifest(String value) {
        String name = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(policy -> policy.manifestName.equals(name)).findFirst();
    }
}
