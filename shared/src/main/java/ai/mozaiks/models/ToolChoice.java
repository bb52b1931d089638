package ai.mozaiks.models;

/** Whether the model may, must not, or must call a tool, or must call one named tool. */
public record ToolChoice(Mode mode, String toolName) {
    public enum Mode { AUTO, NONE, REQUIRED, NAMED }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

    public ToolChoice {
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        if (mode == Mode.NAMED) {
            Names.required(toolName, "tool name");
        } else if (toolName != null) {
            throw new IllegalArgumentException("only a NAMED tool choice names a tool");
        }
    }

    public static ToolChoice named(String toolName) {
        return new ToolChoice(Mode.NAMED, toolName);
    }

    /** A call is forced: {@code required} or one named tool. */
    public boolean forcesCall() {
        return mode == Mode.REQUIRED || mode == Mode.NAMED;
    }
}
