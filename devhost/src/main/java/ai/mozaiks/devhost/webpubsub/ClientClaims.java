package ai.mozaiks.devhost.webpubsub;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a client access token says about its client. {@code role} and {@code webpubsub.group} may be
 * one string or an array (the Java SDK writes arrays, other issuers a single string); every claim
 * is also kept as a list of strings for the upstream {@code connect} event.
 */
record ClientClaims(String userId, List<String> roles, List<String> groups, Map<String, List<String>> all) {

    static ClientClaims from(Map<String, Object> claims) {
        Map<String, List<String>> all = new LinkedHashMap<>();
        claims.forEach((name, value) -> all.put(name, strings(value)));
        Object subject = claims.get("sub");
        return new ClientClaims(subject == null ? null : subject.toString(),
                all.getOrDefault("role", List.of()), all.getOrDefault("webpubsub.group", List.of()), Map.copyOf(all));
    }

    private static List<String> strings(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof Collection<?> values) {
            return values.stream().map(String::valueOf).toList();
        }
        return List.of(value.toString());
    }
}
