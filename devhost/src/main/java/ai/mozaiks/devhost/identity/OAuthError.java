package ai.mozaiks.devhost.identity;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An OAuth 2.0 error (RFC 6749 §4.1.2.1, §5.2): a registered code a client can act on and a sentence a
 * developer can. It carries no stack trace: it is an answer, not a failure of the provider.
 */
final class OAuthError extends Exception {
    private final String error;
    private final int status;

    private OAuthError(int status, String error, String description) {
        super(description, null, false, false);
        this.status = status;
        this.error = error;
    }

    static OAuthError invalidRequest(String description) {
        return new OAuthError(400, "invalid_request", description);
    }

    static OAuthError invalidGrant(String description) {
        return new OAuthError(400, "invalid_grant", description);
    }

    static OAuthError unsupportedGrantType(String description) {
        return new OAuthError(400, "unsupported_grant_type", description);
    }

    static OAuthError unsupportedResponseType(String description) {
        return new OAuthError(400, "unsupported_response_type", description);
    }

    String error() {
        return error;
    }

    String description() {
        return getMessage();
    }

    int status() {
        return status;
    }

    /** The token endpoint's error body. */
    Map<String, Object> toJson() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", getMessage());
        return body;
    }
}
