package ai.mozaiks.workflows.manifest;

import java.util.Objects;
import java.util.regex.Pattern;

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

    /** The pattern occurs anywhere in the message (Python's {@code re.search}). */
    final class Regex implements TextMatch {
        private final Pattern pattern;

        /** @throws java.util.regex.PatternSyntaxException if {@code regex} does not compile */
        public Regex(String regex) {
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
