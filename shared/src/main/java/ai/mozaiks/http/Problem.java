package ai.mozaiks.http;

import java.util.List;

/**
 * An RFC 9457 problem body. {@code code} is stable and machine-readable; {@code detail} is for
 * people and never carries a stack trace or a secret.
 */
public record Problem(String type, String title, int status, String code, String detail, List<FieldError> errors,
                      List<FieldError> warnings) {
    public static final String CONTENT_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://mozaiks.ai/problems/";

    public record FieldError(String field, String message) {
    }

    public static Problem of(int status, String code, String title, String detail) {
        return new Problem(TYPE_BASE + code, title, status, code, detail, null, null);
    }

    public static Problem invalid(List<FieldError> errors) {
        return new Problem(TYPE_BASE + "validation_failed", "Request is invalid", 400, "validation_failed",
                "One or more fields are invalid.", List.copyOf(errors), null);
    }

    /** With what was accepted but deserves the caller's attention (content left unused, say); none leaves it out. */
    public Problem withWarnings(List<FieldError> found) {
        return new Problem(type, title, status, code, detail, errors, found.isEmpty() ? null : List.copyOf(found));
    }

    public static Problem notFound(String detail) {
        return of(404, "not_found", "Not found", detail);
    }

    public static Problem methodNotAllowed(String detail) {
        return of(405, "method_not_allowed", "Method not allowed", detail);
    }

    public static Problem internal() {
        return of(500, "internal_error", "Internal error", "The request failed. It was logged with its invocation id.");
    }
}
