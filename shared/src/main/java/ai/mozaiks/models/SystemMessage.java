package ai.mozaiks.models;

import java.util.Objects;

/** Instructions: the agent's prompt sections and exposed context. */
public record SystemMessage(String content) implements ChatMessage {
    public SystemMessage {
        Objects.requireNonNull(content, "content");
    }

    @Override
    public Role role() {
        return Role.SYSTEM;
    }
}
