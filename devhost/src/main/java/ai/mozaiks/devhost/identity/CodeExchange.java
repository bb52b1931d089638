package ai.mozaiks.devhost.identity;

import java.util.Map;

/** The token endpoint's {@code grant_type=authorization_code} (RFC 6749 §4.1.3, RFC 7636 §4.5). */
final class CodeExchange {
    static final String GRANT_TYPE = "authorization_code";

    private CodeExchange() {
    }

    /** The subject the code signs in, once every parameter agrees with the code's authorization request. */
    static String subject(Map<String, String> form, AuthorizationCodes codes) throws OAuthError {
        String grantType = required(form, "grant_type");
        if (!grantType.equals(GRANT_TYPE)) {
            throw OAuthError.unsupportedGrantType("grant_type must be " + GRANT_TYPE + ", not " + grantType
                    + " (or POST JSON {\"sub\": ...} to mint a token directly)");
        }
        String code = required(form, "code");
        String redirectUri = required(form, "redirect_uri");
        String clientId = required(form, "client_id");
        String verifier = required(form, "code_verifier");
        return codes.redeem(code, clientId, redirectUri, verifier);
    }

    private static String required(Map<String, String> form, String name) throws OAuthError {
        String value = form.get(name);
        if (value == null || value.isEmpty()) {
            throw OAuthError.invalidRequest(name + " is required");
        }
        return value;
    }
}
