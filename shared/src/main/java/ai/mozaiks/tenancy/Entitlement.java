package ai.mozaiks.tenancy;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.http.Problem;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The answer to "may this user start this workflow in this app now?", with a machine-readable reason and, for a limit,
 * when trying again can help ({@code retryAfterSeconds}, 0 when unknown); for a start's answer, the version of the workflow
 * the name resolved to ({@code workflowRef}, null otherwise).
 */
public record Entitlement(boolean allowed, Reason reason, String detail, long retryAfterSeconds, String workflowRef) {
    /** A run limit frees up as runs end: soon, usually. */
    private static final long RUN_LIMIT_RETRY_SECONDS = 10;

    public enum Reason {
        TIER, PACK_DISABLED, APP_DELETED, APP_SUSPENDED, APP_PAUSED, APP_MIGRATING, NOT_ALLOWED, UNKNOWN_WORKFLOW, LIMIT_REACHED, PREREQUISITE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static Entitlement allow() {
        return new Entitlement(true, null, null, 0, null);
    }

    public static Entitlement deny(Reason reason, String detail) {
        return new Entitlement(false, reason, detail, 0, null);
    }

    /** A refusal that ends by itself after {@code retryAfter} (a monthly budget at the start of next month). */
    public static Entitlement deny(Reason reason, String detail, Duration retryAfter) {
        return new Entitlement(false, reason, detail, Math.max(1, retryAfter.toSeconds()), null);
    }

    /** This decision for a start of the workflow version {@code ref} ({@link WorkflowEntry#ref}): the chat is pinned to it. */
    public Entitlement forWorkflow(String ref) {
        return new Entitlement(allowed, reason, detail, retryAfterSeconds, ref);
    }

    /**
     * The refusal as the session broker answers it: 503 with {@code Retry-After} while the app's
     * data moves (retrying will work), 429 at a concurrency limit, 409 for the app's state, 403 for
     * what the app or its tier does not allow, 404 for a workflow the app does not have.
     */
    public ApiException refusal() {
        if (allowed) {
            throw new IllegalStateException("an allowed start is not a refusal");
        }
        String code = reason.wire();
        return switch (reason) {
            case APP_MIGRATING -> ApiException.unavailable(code, detail, 30);
            case LIMIT_REACHED -> new ApiException(Problem.of(429, code, "Limit reached", detail),
                    Map.of("Retry-After", Long.toString(retryAfterSeconds > 0 ? retryAfterSeconds : RUN_LIMIT_RETRY_SECONDS)));
            case APP_SUSPENDED, APP_PAUSED, APP_DELETED -> ApiException.conflict(code, detail);
            case UNKNOWN_WORKFLOW -> new ApiException(Problem.of(404, code, "Not found", detail));
            case TIER, PACK_DISABLED, NOT_ALLOWED, PREREQUISITE -> new ApiException(Problem.of(403, code, "Not entitled", detail));
        };
    }
}
