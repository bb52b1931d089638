package ai.mozaiks.models;

/** What a model stream emits: deltas as they arrive, then one {@link Completed}. */
public sealed interface ModelEvent {

    /** A piece of the reply's text. */
    record TextDelta(String text) implements ModelEvent {
    }

    /**
     * A piece of a tool call. The first piece of a call carries its {@code id} and {@code name};
     * later pieces carry only {@code index} and a fragment of the arguments' JSON text.
     */
    record ToolCallDelta(int index, String id, String name, String argumentsFragment) implements ModelEvent {
    }

    /** The end of the reply: the assembled message, why it ended, and what it cost in tokens. */
    record Completed(ModelResponse response) implements ModelEvent {
    }
}
