package ai.mozaiks.api;

import ai.mozaiks.http.Problem;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** Collects field errors of one request so the client learns about all of them at once. */
public final class Validation {
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
    private final List<Problem.FieldError> errors = new ArrayList<>();

    public Validation text(String field, String value, int maxLength, boolean required) {
        if (value == null || value.isBlank()) {
            if (required) {
                error(field, "is required");
            }
        } else if (value.length() > maxLength) {
            error(field, "must be at most " + maxLength + " characters");
        } else if (CONTROL.matcher(value).find()) {
            error(field, "must not contain control characters");
        }
        return this;
    }

    public Validation oneOf(String field, String value, Collection<String> allowed, boolean required) {
        if (value == null) {
            if (required) {
                error(field, "is required");
            }
        } else if (!allowed.contains(value)) {
            error(field, "must be one of " + allowed);
        }
        return this;
    }

    public Validation require(boolean condition, String field, String message) {
        if (!condition) {
            error(field, message);
        }
        return this;
    }

    public Validation error(String field, String message) {
        errors.add(new Problem.FieldError(field, message));
        return this;
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /** Throws a 400 problem listing every field error, if there is any. */
    public void check() {
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }
}
