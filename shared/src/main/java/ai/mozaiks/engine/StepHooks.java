package ai.mozaiks.engine;

/** Points inside a step where a test can simulate a crash. */
public interface StepHooks {
    StepHooks NONE = new StepHooks() {
    };

    /** A tool's result was recorded in {@code tool_results}; the step has not committed yet. */
    default void afterToolRecorded(String chatId, long stepSeq, String callId) {
    }

    /** The step committed; its events are not in the log yet. */
    default void afterCommit(String chatId, long stepSeq) {
    }
}
