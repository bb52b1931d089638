package ai.mozaiks.engine.acceptance;

import ai.mozaiks.engine.StepOutcome;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Drives the repository's {@code interview_research_summary} example to the Summarizer's brief: the Interviewer
 * asks, the user answers, a near-miss of the sentinel goes back to the user, the bare sentinel moves on to the
 * Researcher, whose "Sources reviewed:" line moves on to the Summarizer. Model requests, in order: Interviewer ×3,
 * Researcher, Summarizer.
 */
final class InterviewExample {
    static final String WORKFLOW = "interview_research_summary";
    static final String SEED = "Interviewer, welcome the user and find out what they want researched.";
    static final String NEAR_MISS = "Almost READY_FOR_RESEARCH: how deep should it go?";
    static final String SENTINEL = "READY_FOR_RESEARCH";
    static final String NOTES = "Tides follow the moon's pull.\nSpring tides come with full and new moons.\n"
            + "Sources reviewed: an oceanography textbook";
    static final String BRIEF = """
            {"headline":"Tides are driven mainly by the moon.",\
            "key_findings":["The moon's pull raises two bulges of water.","Spring tides follow full and new moons."],\
            "open_questions":null,"confidence":"high",\
            "sources":[{"title":"An oceanography textbook","url":null}]}""";

    private InterviewExample() {
    }

    /** Runs the chat to the brief; answers its id. */
    static String runToBrief(EngineHarness harness, String brief) {
        harness.replies("Hello! What would you like researched?");
        String chatId = harness.startChat(WORKFLOW);
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll());

        harness.replies(NEAR_MISS);
        harness.say(chatId, "m-1", "Ocean tides, for a school talk.");
        assertEquals(List.of(new StepOutcome.AwaitingInput("handoff")), harness.deliverAll(), "no exact sentinel: back to the user");

        harness.replies(SENTINEL).replies(NOTES).replies(brief);
        harness.say(chatId, "m-2", "Keep it brief.");
        // The brief ends the run (the summarizer's after_work is terminate).
        assertEquals(List.of(new StepOutcome.Next(3), new StepOutcome.Next(4), new StepOutcome.Completed("terminate")),
                harness.deliverAll());
        return chatId;
    }
}
