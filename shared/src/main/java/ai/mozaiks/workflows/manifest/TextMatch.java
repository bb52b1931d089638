package ai.mozaiks.workflows.manifest;

import java.util.Objects;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/** How an {@code agent_text} trigger recognises an agent's message. */
public sealed interface TextMatch {

    boolean matches(String message);

    /** The whole message, ignoring surrounding whitespace, is the text (e.g. a bare "NEXT"). */
    record Equals(String text) implements TextMatch {
        public Equals {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public boolean matches(String message) {
            return message.strip().equals(text.strip());
        }
    }

    record Contains(String text) implements TextMatch {
        public Contains {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public boolean matches(String message) {
            return message.contains(text);
        }
    }

    /**
     * The pattern occurs anywhere in the message (Python's {@code re.search}). Patterns come from packs, so they are
     * RE2 syntax, matched in time linear in the message (no backreferences or lookaround), and bounded in length and
     * compiled size.
     */
    final class Regex implements TextMatch {
        /** The longest pattern, in characters. */
        public static final int MAX_LENGTH = 1_000;
        /** The largest estimated compiled size (see {@link RegexSize}); a match costs at most this per character. */
        public static final long MAX_SIZE = 2_000;

        private final Pattern pattern;

        /** @throws PatternSyntaxException if {@code regex} is too long, too large or not RE2 syntax */
        public Regex(String regex) {
            if (regex.length() > MAX_LENGTH) {
                throw new PatternSyntaxException("longer than " + MAX_LENGTH + " characters", "");
            }
            if (RegexSize.of(regex, MAX_SIZE) > MAX_SIZE) {
                throw new PatternSyntaxException("repeats too much (its compiled size would exceed " + MAX_SIZE
                        + " instructions); use smaller counts in {n,m}", "");
            }
            this.pattern = Pattern.compile(regex);
        }

        public String regex() {
            return pattern.pattern();
        }

        @Override
        public boolean matches(String message) {
            return pattern.matcher(message).find();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Regex that && regex().equals(that.regex());
        }

        @Override
        public int hashCode() {
            return regex().hashCode();
        }

        @Override
        public String toString() {
            return "Regex[" + regex() + "]";
        }
    }
}
