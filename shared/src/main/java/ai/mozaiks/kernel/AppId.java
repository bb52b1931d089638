package ai.mozaiks.kernel;

import java.util.regex.Pattern;

/**
 * The hard isolation boundary of the platform. Chat data can only be read or written through
 * types that are built from an {@code AppId}, so an unscoped query cannot be expressed.
 */
public record AppId(String value) {
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    public AppId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("app_id must be 1-64 letters, digits, '_' or '-', starting with a letter or digit");
        }
    }

    public static AppId of(String value) {
        return new AppId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
