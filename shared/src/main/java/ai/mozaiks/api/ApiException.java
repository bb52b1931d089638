package ai.mozaiks.api;

import ai.mozaiks.http.Problem;
import java.util.List;
import java.util.Map;

/**
 * A request the platform refuses, carrying the problem document the client receives. Thrown by
 * services; mapped to {@code application/problem+json} at the HTTP edge.
 */
public final class ApiException extends RuntimeException {
    private final Problem problem;
    private final Map<String, String> headers;

    public ApiException(Problem problem) {
        this(problem, Map.of());
    }

    public ApiException(Problem problem, Map<String, String> headers) {
        super(problem.code() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = Map.copyOf(headers);
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ApiException invalid(List<Problem.FieldError> errors) {
        return new ApiException(Problem.invalid(errors));
    }

    public static ApiException invalid(String field, String message) {
        return invalid(List.of(new Problem.FieldError(field, message)));
    }

    /** Existence is not disclosed: a caller without access gets the same answer as for nothing. */
    public static ApiException notFound(String what) {
        return new ApiException(Problem.notFound(what + " was not found."));
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(Problem.of(403, "forbidden", "Forbidden", detail));
    }

    public static ApiException conflict(String code, String detail) {
        return new ApiException(Problem.of(409, code, "Conflict", detail));
    }

    public static ApiException unavailable(String code, String detail, int retryAfterSeconds) {
        return new ApiException(Problem.of(503, code, "Temporarily unavailable", detail),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }
}
