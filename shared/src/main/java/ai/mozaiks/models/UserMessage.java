package ai.mozaiks.models;

import java.util.Objects;

/** What a person said; {@code name} (optional) tells speakers apart in a shared chat. */
public record UserMessage(String content, String name) implements ChatMessage {
    public UserMessage {
        Objects.requireNonNull(content, "content");
        name = Names.optional(name);
    }

    @Override
    public Role role() {
        return Role.USER;
    }
}
