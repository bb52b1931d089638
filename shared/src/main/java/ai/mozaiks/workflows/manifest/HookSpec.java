package ai.mozaiks.workflows.manifest;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@code hooks.yaml}: code run at an AG2 agent hook point.
 *
 * @param agent an agent name, or {@link #ALL_AGENTS}
 */
public record HookSpec(Type type, String agent, ToolImplementation.JavaClass implementation) {
    public static final String ALL_AGENTS = "all";

    public HookSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(implementation, "implementation");
    }

    public enum Type {
        PROCESS_MESSAGE_BEFORE_SEND, UPDATE_AGENT_STATE, PROCESS_LAST_RECEIVED_MESSAGE, PROCESS_ALL_MESSAGES_BEFORE_REPLY;

        public String manifestName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Optional<Type> fromManifest(String value) {
            return Arrays.stream(values()).filter(type -> type.manifestName().equals(value)).findFirst();
        }
    }
}
