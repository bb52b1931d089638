package ai.mozaiks.workflows.manifest;

import java.util.Objects;
import java.util.Optional;

/** A tool's {@code ui}: the browser component it renders, inline in the chat or as an artifact. */
public record UiBinding(String component, Optional<Mode> mode) {
    public UiBinding {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(mode, "mode");
    }

    public enum Mode {
        INLINE, ARTIFACT
    }
}
