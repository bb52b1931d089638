package ai.mozaiks.identity;

/**
 * A bearer token was not accepted. {@link #reason()} is stable and machine-readable; the message
 * is for people and never carries the token or any part of it.
 */
public final class AuthenticationException extends RuntimeException {

    /** Why a token was refused; {@link #code()} is the wire form. */
    public enum Reason {
        MISSING_TOKEN("missing_token"),
        MALFORMED_TOKEN("malformed_token"),
        UNSUPPORTED_ALGORITHM("unsupported_algorithm"),
        UNTRUSTED_ISSUER("untrusted_issuer"),
        WRONG_AUDIENCE("wrong_audience"),
        EXPIRED("expired"),
        NOT_YET_VALID("not_yet_valid"),
        BAD_SIGNATURE("bad_signature"),
        UNKNOWN_KEY("unknown_key");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public AuthenticationException(Reason reason, String message) {
        // No stack trace: refusals are routine, and a flood of bad tokens should stay cheap.
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    public String code() {
        return reason.code();
    }
}
