package ai.mozaiks.devhost.identity;

import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem.FieldError;
import ai.mozaiks.kernel.AppId;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A JSON request to {@code POST /dev/token} (a token minted directly), validated. {@code app_id} asks
 * for a token from that app's own identity provider instead of the platform's.
 */
record TokenRequest(String subject, List<String> roles, String email, String name, String audience, Duration expiresIn,
                    AppId appId) {
    static final Duration DEFAULT_EXPIRY = Duration.ofHours(1);
    static final Duration MAX_EXPIRY = Duration.ofDays(1);
    private static final int MAX_TEXT = 256;
    private static final Set<String> FIELDS = Set.of("sub", "roles", "email", "name", "aud", "expires_in", "app_id");

    /** Thrown with every problem of the request at once. */
    static final class Invalid extends Exception {
        private final List<FieldError> errors;

        Invalid(List<FieldError> errors) {
            super(errors.toString(), null, false, false);
            this.errors = List.copyOf(errors);
        }

        List<FieldError> errors() {
            return errors;
        }
    }

    /** What a sign-in through the authorization code flow gets: the same token as {@code {"sub": subject}}. */
    static TokenRequest forSubject(String subject, String defaultAudience) {
        return new TokenRequest(subject, List.of(), null, null, defaultAudience, DEFAULT_EXPIRY, null);
    }

    static TokenRequest parse(byte[] body, String defaultAudience) throws Invalid {
        JsonNode root;
        try {
            root = Json.mapper().readTree(body);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            throw new Invalid(List.of(new FieldError("body", "must be a JSON object such as {\"sub\": \"alice\"}")));
        }
        List<FieldError> errors = new ArrayList<>();
        root.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                errors.add(new FieldError(field, "unknown field; expected sub, roles, email, name, aud, expires_in or app_id"));
            }
        });
        String subject = text(root, "sub", true, errors);
        List<String> roles = roles(root, errors);
        String email = text(root, "email", false, errors);
        if (email != null && !email.matches("[^@\\s]+@[^@\\s]+")) {
            errors.add(new FieldError("email", "must be an address like alice@example.com"));
        }
        String name = text(root, "name", false, errors);
        String audience = text(root, "aud", false, errors);
        Duration expiresIn = expiresIn(root, errors);
        AppId appId = appId(root, errors);
        if (!errors.isEmpty()) {
            throw new Invalid(errors);
        }
        return new TokenRequest(subject, roles, email, name, audience == null ? defaultAudience : audience, expiresIn, appId);
    }

    private static String text(JsonNode root, String field, boolean required, List<FieldError> errors) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            errors.add(new FieldError(field, "must be a non-empty string"));
            return null;
        }
        if (node.asText().length() > MAX_TEXT) {
            errors.add(new FieldError(field, "must be at most " + MAX_TEXT + " characters"));
            return null;
        }
        return node.asText();
    }

    private static List<String> roles(JsonNode root, List<FieldError> errors) {
        JsonNode node = root.get("roles");
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> roles = new ArrayList<>();
        boolean valid = node.isArray();
        if (valid) {
            for (JsonNode role : node) {
                // No spaces: validators also read roles from a space-separated string.
                valid &= role.isTextual() && role.asText().matches("\\S{1," + MAX_TEXT + "}");
                roles.add(role.asText());
            }
        }
        if (!valid) {
            errors.add(new FieldError("roles", "must be an array of role names without spaces, such as [\"platform_admin\"]"));
        }
        return List.copyOf(roles);
    }

    private static Duration expiresIn(JsonNode root, List<FieldError> errors) {
        JsonNode node = root.get("expires_in");
        if (node == null || node.isNull()) {
            return DEFAULT_EXPIRY;
        }
        if (!node.isIntegralNumber() || node.asLong() < 1 || node.asLong() > MAX_EXPIRY.toSeconds()) {
            errors.add(new FieldError("expires_in", "must be a whole number of seconds from 1 to " + MAX_EXPIRY.toSeconds()));
            return null;
        }
        return Duration.ofSeconds(node.asLong());
    }

    private static AppId appId(JsonNode root, List<FieldError> errors) {
        JsonNode node = root.get("app_id");
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return AppId.of(node.isTextual() ? node.asText() : null);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("app_id", e.getMessage()));
            return null;
        }
    }
}
