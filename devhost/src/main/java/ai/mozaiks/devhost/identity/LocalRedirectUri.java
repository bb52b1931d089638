package ai.mozaiks.devhost.identity;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * The development identity provider sends codes only back to this machine: it signs in anyone, so a
 * redirect elsewhere would hand a working token to whatever site asked for it.
 */
final class LocalRedirectUri {
    private static final Set<String> HOSTS = Set.of("localhost", "127.0.0.1");

    private LocalRedirectUri() {
    }

    /** The redirect URI, checked: absolute http(s) on localhost or 127.0.0.1, with no fragment (RFC 6749 §3.1.2). */
    static URI parse(String value) throws OAuthError {
        if (value == null || value.isBlank()) {
            throw OAuthError.invalidRequest("redirect_uri is required");
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw OAuthError.invalidRequest("redirect_uri is not a URI");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || !HOSTS.contains(host) || uri.getRawUserInfo() != null) {
            throw OAuthError.invalidRequest("redirect_uri " + value + " is refused: the development identity provider is for"
                    + " development only and redirects only to http(s) URLs on localhost or 127.0.0.1");
        }
        if (uri.getRawFragment() != null) {
            throw OAuthError.invalidRequest("redirect_uri must not have a fragment");
        }
        return uri;
    }
}
