package ai.mozaiks.workflows.manifest;

import java.util.Arrays;
import java.util.Optional;

/** {@code tool_type}: a function the model calls, or one that shows a UI component and waits for the user. */
public enum ToolType {
    AGENT_TOOL("Agent_Tool"),
    UI_TOOL("UI_Tool");

    private final String manifestName;

    ToolType(String manifestName) {
        this.manifestName = manifestName;
    }

    public String manifestName() {
        return manifestName;
    }

    public static Optional<ToolType> fromManifest(String value) {
        return Arrays.stream(values()).filter(type -> type.manifestName.equals(value)).findFirst();
    }
}
