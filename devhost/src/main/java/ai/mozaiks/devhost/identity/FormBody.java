package ai.mozaiks.devhost.identity;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** {@code application/x-www-form-urlencoded} fields, as OAuth sends them in a query string or a body. */
final class FormBody {
    private FormBody() {
    }

    /**
     * The fields by name. OAuth forbids repeating a parameter (RFC 6749 §3.1), so a repeated one is
     * refused rather than one of its values picked silently.
     */
    static Map<String, String> parse(String encoded) throws OAuthError {
        Map<String, String> fields = new HashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return fields;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw OAuthError.invalidRequest("the parameters are not valid form encoding");
            }
            if (fields.putIfAbsent(name, value) != null) {
                throw OAuthError.invalidRequest(name + " is repeated; every parameter may appear once");
            }
        }
        return fields;
    }
}
