package ai.mozaiks.models;

import java.time.Duration;
import java.util.Optional;

/**
 * A failed model call, typed so the engine can decide: retry later ({@link #retryable()}, after
 * {@link #retryAfter()} when the provider said), or fail the turn with the provider's message.
 * Messages never carry credentials.
 */
public final class ModelException extends RuntimeException {

    public enum Kind {
        /** Too many requests or tokens; wait {@link #retryAfter()} when given. */
        RATE_LIMITED(true),
        /** No answer, or the stream stalled, within the configured time. */
        TIMEOUT(true),
        /** The request was refused as malformed, too long, or naming an unknown model: a retry cannot help. */
        BAD_REQUEST(false),
        /** The provider failed (5xx), was unreachable, or dropped the connection. */
        UNAVAILABLE(true),
        /** The key or identity was refused (401/403). */
        AUTH(false),
        /** The provider answered something unusable: a malformed stream, tool arguments that are not JSON. */
        INVALID_RESPONSE(true),
        /**
         * The reply carries JSON beyond the platform's input limits (nested too deep, too large): it is neither
         * stored nor acted on, and asking again would only spend tokens on the same.
         */
        OVER_LIMIT(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Kind kind;
    private final String requestId;
    private final int status;
    private final String code;
    private final Duration retryAfter;

    public ModelException(Kind kind, String requestId, String message) {
        this(kind, requestId, message, 0, null, null, null);
    }

    public ModelException(Kind kind, String requestId, String message, Throwable cause) {
        this(kind, requestId, message, 0, null, null, cause);
    }

    /**
     * @param status     the HTTP status, or 0 when there was no response
     * @param code       the provider's error code (such as {@code context_length_exceeded}), or {@code null}
     * @param retryAfter how long the provider asked to wait, or {@code null}
     */
    public ModelException(Kind kind, String requestId, String message, int status, String code, Duration retryAfter,
                          Throwable cause) {
        super(kind.wireName() + ": " + message + " (request " + requestId + ")", cause);
        this.kind = kind;
        this.requestId = requestId;
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public String requestId() {
        return requestId;
    }

    /** The HTTP status, or 0 when no response was received. */
    public int status() {
        return status;
    }

    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Whether the same request may succeed later. */
    public boolean retryable() {
        return kind.retryable;
    }
}
