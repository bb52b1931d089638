package ai.mozaiks.models;

import java.util.regex.Pattern;

/** Names that go on the wire (tool, message author, response format) in the form the APIs accept. */
final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private Names() {
    }

    static String required(String value, String what) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1-64 letters, digits, '_' or '-': " + value);
        }
        return value;
    }

    static String optional(String value) {
        return value == null || value.isEmpty() ? null : required(value, "name");
    }
}
