package ai.mozaiks.workflows.manifest;

import java.util.Objects;

/** One titled part of an agent's system message. {@code heading} may be empty. */
public record PromptSection(String id, String heading, String content) {
    public PromptSection {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(heading, "heading");
        Objects.requireNonNull(content, "content");
    }

    /** {@code heading}, a newline, then {@code content}, as the runtime joins them. */
    public String render() {
        return heading.isEmpty() ? content : heading + "\n" + content;
    }
}
