package ai.mozaiks.workflows.manifest;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.re2j.PatternSyntaxException;
import org.junit.jupiter.api.Test;

class TextMatchTest {

    // With backtracking this pattern took over a minute on a 500-character reply; RE2 scans the reply once.
    @Test
    void aCatastrophicPatternForBacktrackingMatchesLongRepliesInOnePass() {
        TextMatch.Regex regex = new TextMatch.Regex(".*.*.*X");
        assertFalse(regex.matches("a".repeat(500)));
        assertFalse(regex.matches("a".repeat(100 * 1024)));
        assertTrue(regex.matches("a".repeat(100 * 1024) + "X"));

        TextMatch.Regex nested = new TextMatch.Regex("(a+)+$");
        assertFalse(nested.matches("a".repeat(100 * 1024) + "!"));
    }

    @Test
    void theLargestAcceptedPatternStillMatchesALongReply() {
        TextMatch.Regex large = new TextMatch.Regex("(?:\\w{1,40}\\s){1,40}DONE");
        assertFalse(large.matches("word ".repeat(20 * 1024)));
        assertTrue(large.matches("word ".repeat(20 * 1024) + "DONE"));
    }

    @Test
    void boundsTheCompiledSizeWhateverTheNesting() {
        assertThrows(PatternSyntaxException.class, () -> new TextMatch.Regex("(a{1000}){1000}"));
        assertThrows(PatternSyntaxException.class, () -> new TextMatch.Regex("((a{10}){10}){10}{10}"));
        assertThrows(PatternSyntaxException.class, () -> new TextMatch.Regex("(?:(?:(?:a{20})){20}){20}"));
        assertThrows(PatternSyntaxException.class, () -> new TextMatch.Regex("[a-z]{1000,}x{1000}"));
        assertDoesNotThrow(() -> new TextMatch.Regex("(?m)^Sources reviewed:"));
        assertDoesNotThrow(() -> new TextMatch.Regex("\\d{4}-\\d{2}-\\d{2}"));
        assertDoesNotThrow(() -> new TextMatch.Regex("[{}]{2} \\{literal} \\Q{1000}\\E x{1000}"));
    }
}
