package ai.mozaiks.engine;

/** Observation points of a step, for streaming deltas out and for tests that simulate a crash. */
public interface StepHooks {
    StepHooks NONE = new StepHooks() {
    };

    /** A piece of the reply's text as it streams (ephemeral; never stored). */
    default void onTextDelta(String chatId, String agent, String text) {
    }

    /** A tool's result was recorded in {@code tool_results}; the step has not committed yet. */
    default void afterToolRecorded(String chatId, long stepSeq, String callId) {
    }
}
