package ai.mozaiks.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.TextMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What of a streaming reply may go out while it streams: nothing of a message a {@code ui_hidden} trigger hides, and
 * everything of any other message, in order, as soon as it can no longer become one.
 */
class HiddenTextHoldTest {
    private static final List<TextMatch> NEXT = List.of(new TextMatch.Equals("NEXT"));

    /** What goes out after each piece, then at the end (the last entry). */
    private static List<String> stream(List<TextMatch> hiding, String... pieces) {
        HiddenTextHold hold = new HiddenTextHold(hiding);
        List<String> out = new ArrayList<>();
        for (String piece : pieces) {
            out.add(hold.accept(piece));
        }
        out.add(hold.finish());
        return out;
    }

    /** Everything that went out, joined. */
    private static String sent(List<TextMatch> hiding, String... pieces) {
        return String.join("", stream(hiding, pieces));
    }

    /** Every split of {@code reply} into single characters: the finest a model streams. */
    private static String[] chars(String reply) {
        return reply.codePoints().mapToObj(Character::toString).toArray(String[]::new);
    }

    @Test
    void theSentinelNeverGoesOutInAnyPiece() {
        assertEquals(List.of("", "", "", ""), stream(NEXT, "NE", "X", "T"));
        assertEquals(List.of("", ""), stream(NEXT, "NEXT"));
        assertEquals("", sent(NEXT, chars("NEXT")));
    }

    @Test
    void aPrefixIsHeldUntilItCannotBeTheSentinelThenAllGoesOut() {
        assertEquals(List.of("", "", "NEXT step", " is yours", ""), stream(NEXT, "NE", "XT", " step", " is yours"));
        assertEquals(List.of("", "Nope", ""), stream(NEXT, "N", "ope"));
        // It ended while it could still have become the sentinel, but is not it: it goes out at the end.
        assertEquals(List.of("", "", "NEX"), stream(NEXT, "N", "EX"));
    }

    @Test
    void textThatCannotBeTheSentinelPassesAtOnce() {
        assertEquals(List.of("Hello", " there", ""), stream(NEXT, "Hello", " there"));
        assertEquals(List.of("next", ""), stream(NEXT, "next"), "equals is case-sensitive, as the trigger is");
    }

    @Test
    void surroundingWhitespaceIsIgnoredAsTheTriggerIgnoresIt() {
        assertEquals("", sent(NEXT, "\n  ", "NEXT", "  \n", "\t"));
        assertEquals("", sent(List.of(new TextMatch.Equals("  NEXT\n")), " NEXT "), "the sentinel's own whitespace too");
        assertEquals(List.of("", "", "", "\n NEXT \nplease", ""), stream(NEXT, "\n ", "NEXT", " \n", "please"));
        assertEquals(List.of("", "N EXT", ""), stream(NEXT, "N", " EXT"), "whitespace inside is not stripped");
        assertEquals(List.of("", "  "), stream(NEXT, "  "), "whitespace alone is not the sentinel");
    }

    @Test
    void nearMissesStreamInFull() {
        assertEquals("NEXTS", sent(NEXT, chars("NEXTS")));
        assertEquals("NEXT.", sent(NEXT, "NEXT", "."));
        assertEquals("NEX T", sent(NEXT, "NEX", " T"));
        assertEquals("Almost NEXT", sent(NEXT, chars("Almost NEXT")));
        String nearMiss = "READY_FOR_RESEARCH? Not yet: how deep should it go?";
        assertEquals(nearMiss, sent(List.of(new TextMatch.Equals("READY_FOR_RESEARCH")), chars(nearMiss)));
    }

    @Test
    void severalSentinelsHoldWhileAnyStillFits() {
        List<TextMatch> hiding = List.of(new TextMatch.Equals("READY"), new TextMatch.Equals("READY NOW"),
                new TextMatch.Equals("DONE"), new TextMatch.Equals("READ"));
        assertEquals("", sent(hiding, chars("READY")));
        assertEquals("", sent(hiding, chars("READ")));
        assertEquals("", sent(hiding, chars(" READY NOW \n")));
        assertEquals("", sent(hiding, chars("DONE")));
        // "READY " is still "READY" plus whitespace and a prefix of "READY NOW": held until the N-less word.
        assertEquals(List.of("", "", "", "READY NOT", ""), stream(hiding, "READY", " ", "NO", "T"));
        assertEquals(List.of("", "READY, set", ""), stream(hiding, "READ", "Y, set"));
        assertEquals(List.of("", "DOT", ""), stream(hiding, "DO", "T"));
    }

    @Test
    void multiByteTextComparesByCharacter() {
        List<TextMatch> hiding = List.of(new TextMatch.Equals("✅ FERTIG 🎉"));
        assertEquals("", sent(hiding, chars("✅ FERTIG 🎉")));
        // A surrogate pair split across pieces is held whole with the rest.
        assertEquals("", sent(hiding, "✅ FERTIG \uD83C", "\uDF89"));
        assertEquals("✅ FERTIG 🎊", sent(hiding, "✅ FERTIG \uD83C", "\uDF8A"));
        assertEquals("✅ fertig", sent(hiding, chars("✅ fertig")));
        assertEquals(List.of("", "", "✅ FERTIG 🎉!", ""), stream(hiding, "✅", " FERTIG 🎉", "!"));
    }

    @Test
    void aContainsOrRegexTriggerHoldsTheWholeReplyToTheEnd() {
        List<TextMatch> contains = List.of(new TextMatch.Contains("[[hide]]"));
        assertEquals(List.of("", "", ""), stream(contains, "Some text ", "then [[hide]] here"));
        assertEquals(List.of("", "", "Some text then more"), stream(contains, "Some text ", "then more"));
        List<TextMatch> regex = List.of(new TextMatch.Regex("(?m)^DONE$"), new TextMatch.Equals("NEXT"));
        assertEquals(List.of("", "", ""), stream(regex, "notes\n", "DONE\n"));
        assertEquals(List.of("", "", ""), stream(regex, "NE", "XT"));
        assertEquals(List.of("", "", "notes\nDONE!"), stream(regex, "notes\n", "DONE!"));
    }

    @Test
    void thousandsOfSentinelsHoldOnlyWhatFitsOne() {
        List<TextMatch> hiding = new ArrayList<>();
        IntStream.range(0, 5_000).forEach(i -> hiding.add(new TextMatch.Equals("SENTINEL_" + i)));
        hiding.add(new TextMatch.Equals("x".repeat(200_000)));
        assertEquals("", sent(hiding, chars("SENTINEL_4321")));
        assertEquals(List.of("", "", "SENTINEL_43210", ""), stream(hiding, "SENTINEL_", "4321", "0"));
        assertEquals(List.of("", "xxy", ""), stream(hiding, "xx", "y"));
        assertEquals("", sent(hiding, "x".repeat(100_000), "x".repeat(100_000)));
        assertEquals("x".repeat(200_001), sent(hiding, "x".repeat(100_000), "x".repeat(100_001)));
    }

    @Test
    void afterReleaseEveryPieceGoesOutAsItComes() {
        HiddenTextHold hold = new HiddenTextHold(NEXT);
        assertEquals("Hi", hold.accept("Hi"));
        assertEquals("NEXT", hold.accept("NEXT"), "a sentinel inside a longer message is not held");
        assertEquals("", hold.accept(""));
        assertEquals("", hold.finish());
    }

    @Test
    void theWorkflowsUiHiddenTriggersOfTheSpeakingAgentAreTheOnesHeld() {
        Workflow workflow = Manifests.of("max_turns: 9\n").with("context_variables.yaml", """
                definitions:
                - name: done
                  type: boolean
                  source:
                    type: state
                    default: false
                    triggers:
                    - {type: agent_text, agent: Writer, match: {equals: NEXT}, ui_hidden: true}
                    - {type: agent_text, agent: Writer, match: {contains: Sources}, ui_hidden: false}
                    - {type: agent_text, agent: Reviewer, match: {contains: LGTM}}
                """).load();
        HiddenTextHold writer = HiddenTextHold.forAgent(workflow, "Writer").orElseThrow();
        assertEquals("", writer.accept("NEXT"), "its equals trigger is held; its visible contains one is not");
        assertEquals("", writer.finish());
        assertTrue(ContextState.applyAgentText(workflow, "Writer", "NEXT", Map.of()).hidden(), "as the stored text is hidden");
        assertFalse(HiddenTextHold.forAgent(workflow, "Reviewer").isPresent(), "an agent with no hiding trigger streams as before");
        assertFalse(HiddenTextHold.forAgent(workflow, "user").isPresent());
    }
}
