package ai.mozaiks.workflows.manifest;

import java.util.Arrays;
import java.util.Optional;

/** {@code orchestration_pattern}: how the next speaker is chosen (AG2 group patterns). */
public enum OrchestrationPattern {
    /** Handoff rules decide; with none left, the chat terminates. The only pattern that wires handoffs. */
    DEFAULT("DefaultPattern"),
    /** The group manager's model picks the next speaker. */
    AUTO("AutoPattern"),
    /** Agents speak in turn, initial agent first, user last. */
    ROUND_ROBIN("RoundRobinPattern"),
    RANDOM("RandomPattern");

    private final String manifestName;

    OrchestrationPattern(String manifestName) {
        this.manifestName = manifestName;
    }

    public String manifestName() {
        return manifestName;
    }

    public boolean usesHandoffRules() {
        return this == DEFAULT;
    }

    public static Optional<OrchestrationPattern> fromManifest(String value) {
        return Arrays.stream(values()).filter(pattern -> pattern.manifestName.equals(value)).findFirst();
    }
}
