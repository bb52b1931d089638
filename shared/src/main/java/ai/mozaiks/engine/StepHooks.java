package ai.mozaiks.engine;

/** Points inside a step where a test can simulate a crash (a hook that throws ends the attempt there). */
public interface StepHooks {
    StepHooks NONE = new StepHooks() {
    };

    /** A model response ({@code call}: {@code select} or {@code reply}) was recorded in {@code step_replies}; nothing acted on it yet. */
    default void afterModelRecorded(String chatId, long stepSeq, String call) {
    }

    /** A tool is about to be called; its result is not recorded yet. */
    default void beforeToolCall(String chatId, long stepSeq, String callId) {
    }

    /** A tool's result was recorded in {@code tool_results}; the step has not committed yet. */
    default void afterToolRecorded(String chatId, long stepSeq, String callId) {
    }

    /** The step is about to commit: everything it did is recorded, nothing of it is on the chat yet. */
    default void beforeCommit(String chatId, long stepSeq) {
    }

    /** The step committed; its events are not in the log yet. */
    default void afterCommit(String chatId, long stepSeq) {
    }
}
