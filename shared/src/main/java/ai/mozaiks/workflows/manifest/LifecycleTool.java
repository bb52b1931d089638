package ai.mozaiks.workflows.manifest;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/** A tool the runtime runs itself at a point of the chat; the model never calls it. */
public record LifecycleTool(Trigger trigger, ToolSpec tool) {
    public LifecycleTool {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(tool, "tool");
    }

    public enum Trigger {
        BEFORE_CHAT, AFTER_CHAT, BEFORE_AGENT, AFTER_AGENT;

        public String manifestName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Optional<Trigger> fromManifest(String value) {
            return Arrays.stream(values()).filter(trigger -> trigger.manifestName().equals(value)).findFirst();
        }
    }
}
