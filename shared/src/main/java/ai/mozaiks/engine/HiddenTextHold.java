package ai.mozaiks.engine;

import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.TextMatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Holds back a streaming reply's text while the reply could still turn out to be one that an {@code agent_text} trigger
 * with {@code ui_hidden} hides ({@link ContextState#applyAgentText}), so a hidden message never goes out as a live
 * delta. One per reply, fed its pieces in order.
 *
 * <ul>
 *   <li>{@code equals} compares as {@link TextMatch.Equals} does (both sides stripped, case-sensitive): the text is
 *       held while, without its leading whitespace, it is a prefix of a sentinel or a sentinel followed by whitespace;
 *       once it is neither it never can be again, so everything held goes out and later text passes straight on.</li>
 *   <li>{@code contains} and {@code regex} could still match at the reply's last character: with one of them the
 *       whole reply is held, and at the end goes out in one piece unless it matched.</li>
 * </ul>
 *
 * Tenants write the sentinels, so their number and size must not make streaming slow: the sentinels are sorted once,
 * and each held character narrows the range of those the text still fits with two binary searches (O(log n) per
 * character, nothing once released); what is held is at most the longest sentinel plus whitespace.
 */
final class HiddenTextHold {
    /** The stripped {@code equals} texts, sorted and distinct. */
    private final String[] sentinels;
    /** The {@code contains} and {@code regex} matches: decided on the whole reply only. */
    private final List<TextMatch> anywhere;
    private final StringBuilder held = new StringBuilder();
    /** Nothing can match any more: the text passes on as it comes. */
    private boolean released;
    /** The text without its leading whitespace so far: its length, and the sentinels it is a prefix of, [lo, hi). */
    private int length;
    private int lo;
    private int hi;
    /** The text (less leading whitespace) is a sentinel followed by whitespace only. */
    private boolean sentinelThenSpace;

    HiddenTextHold(List<TextMatch> hiding) {
        List<String> equal = new ArrayList<>();
        List<TextMatch> other = new ArrayList<>();
        for (TextMatch match : hiding) {
            if (match instanceof TextMatch.Equals equals) {
                equal.add(equals.text().strip());
            } else {
                other.add(match);
            }
        }
        this.sentinels = equal.stream().distinct().sorted().toArray(String[]::new);
        this.anywhere = List.copyOf(other);
        this.hi = sentinels.length;
    }

    /** A hold for {@code agent}'s replies in {@code workflow}; empty when none of its messages can be hidden. */
    static Optional<HiddenTextHold> forAgent(Workflow workflow, String agent) {
        List<TextMatch> hiding = ContextState.hidingMatches(workflow, agent);
        return hiding.isEmpty() ? Optional.empty() : Optional.of(new HiddenTextHold(hiding));
    }

    /** Takes the reply's next piece; answers the text that may go out now (empty while held). */
    String accept(String piece) {
        if (released) {
            return piece;
        }
        held.append(piece);
        if (!anywhere.isEmpty()) {
            return "";
        }
        for (int i = 0; i < piece.length(); i++) {
            if (!fits(piece.charAt(i))) {
                released = true;
                String out = held.toString();
                held.setLength(0);
                return out;
            }
        }
        return "";
    }

    /** The reply is complete: answers what is still held unless the reply is hidden (empty then). */
    String finish() {
        if (released) {
            return "";
        }
        String text = held.toString();
        held.setLength(0);
        released = true;
        return hidden(text) ? "" : text;
    }

    private boolean hidden(String text) {
        if (Arrays.binarySearch(sentinels, text.strip()) >= 0) {
            return true;
        }
        for (TextMatch match : anywhere) {
            if (match.matches(text)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the text with {@code c} appended could still be a sentinel (chars suffice: no whitespace is a
     * surrogate, so stripping per char is stripping per code point).
     */
    private boolean fits(char c) {
        boolean space = Character.isWhitespace(c);
        if (length == 0 && space) {
            return true; // leading whitespace: stripped before comparing
        }
        sentinelThenSpace = space && (sentinelThenSpace || (lo < hi && sentinels[lo].length() == length));
        // The range shares its first `length` chars, so it is ordered by the next one (those that end here first).
        int from = firstAtLeast(c);
        hi = firstAtLeast(c + 1);
        lo = from;
        length++;
        return lo < hi || sentinelThenSpace;
    }

    /** The first sentinel in [lo, hi) whose char at {@code length} is at least {@code c} (one that ends first counts as -1). */
    private int firstAtLeast(int c) {
        int low = lo;
        int high = hi;
        while (low < high) {
            int mid = (low + high) >>> 1;
            String sentinel = sentinels[mid];
            int next = sentinel.length() > length ? sentinel.charAt(length) : -1;
            if (next < c) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }
}
