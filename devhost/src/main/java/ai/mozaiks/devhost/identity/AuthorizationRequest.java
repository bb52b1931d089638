package ai.mozaiks.devhost.identity;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request to {@code /dev/authorize} (RFC 6749 §4.1.1 with RFC 7636), validated: the authorization
 * code flow, a local redirect URI and an S256 PKCE challenge. The form the page posts back carries
 * the same parameters, so the POST is checked exactly as the GET was.
 */
record AuthorizationRequest(String clientId, URI redirectUri, String state, String codeChallenge, String scope,
                            String loginHint) {
    private static final int MAX_TEXT = 2048;

    static AuthorizationRequest parse(Map<String, String> parameters) throws OAuthError {
        // client_id and redirect_uri first: until both hold, an error cannot be sent back to the client.
        String clientId = required(parameters, "client_id");
        URI redirectUri = LocalRedirectUri.parse(parameters.get("redirect_uri"));
        String responseType = required(parameters, "response_type");
        if (!responseType.equals("code")) {
            throw OAuthError.unsupportedResponseType("response_type must be code (the authorization code flow), not " + responseType);
        }
        String challenge = required(parameters, "code_challenge");
        String method = parameters.getOrDefault("code_challenge_method", "plain");
        if (!method.equals(Pkce.METHOD)) {
            throw OAuthError.invalidRequest("code_challenge_method must be S256, not " + method);
        }
        if (!Pkce.validChallenge(challenge)) {
            throw OAuthError.invalidRequest("code_challenge must be the base64url SHA-256 of the verifier (43 characters)");
        }
        return new AuthorizationRequest(clientId, redirectUri, optional(parameters, "state"), challenge,
                optional(parameters, "scope"), optional(parameters, "login_hint"));
    }

    /** The parameters that make this request again, for the page's form. */
    Map<String, String> parameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("response_type", "code");
        parameters.put("client_id", clientId);
        parameters.put("redirect_uri", redirectUri.toString());
        parameters.put("code_challenge", codeChallenge);
        parameters.put("code_challenge_method", Pkce.METHOD);
        if (state != null) {
            parameters.put("state", state);
        }
        if (scope != null) {
            parameters.put("scope", scope);
        }
        return parameters;
    }

    /** The redirect URI with {@code fields} and the state added to any query it already has. */
    URI redirectWith(Map<String, String> fields) {
        StringBuilder query = new StringBuilder(redirectUri.getRawQuery() == null ? "" : redirectUri.getRawQuery());
        Map<String, String> all = new LinkedHashMap<>(fields);
        if (state != null) {
            all.put("state", state);
        }
        all.forEach((name, value) -> query.append(query.isEmpty() ? "" : "&")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        String base = redirectUri.toString();
        int cut = base.indexOf('?');
        return URI.create((cut < 0 ? base : base.substring(0, cut)) + "?" + query);
    }

    private static String required(Map<String, String> parameters, String name) throws OAuthError {
        String value = optional(parameters, name);
        if (value == null) {
            throw OAuthError.invalidRequest(name + " is required");
        }
        return value;
    }

    private static String optional(Map<String, String> parameters, String name) throws OAuthError {
        String value = parameters.get(name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > MAX_TEXT) {
            throw OAuthError.invalidRequest(name + " is longer than " + MAX_TEXT + " characters");
        }
        return value;
    }
}
