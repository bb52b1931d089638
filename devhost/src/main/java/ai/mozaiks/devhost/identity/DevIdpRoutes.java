package ai.mozaiks.devhost.identity;

import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import ai.mozaiks.kernel.AppId;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP face of the development identity provider: discovery, JWKS, the authorization endpoint
 * (see {@link SignIn}) and the token endpoint, which takes either the authorization code grant (a form,
 * as OAuth clients send it) or JSON {@code {"sub": ...}} to mint a token directly (tests, curl).
 */
final class DevIdpRoutes implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(DevIdpRoutes.class.getName());
    private static final String DISCOVERY = "/.well-known/openid-configuration";
    private static final Pattern APP_DISCOVERY = Pattern.compile("/dev/apps/([^/]+)" + Pattern.quote(DISCOVERY));
    private static final String FORM = "application/x-www-form-urlencoded";

    private final String issuer;
    private final Function<AppId, String> appIssuer;
    private final Supplier<DevTokenMinter> minter;
    private final String defaultAudience;
    private final AuthorizationCodes codes;
    private final SignIn signIn;

    /** {@code minter} may wait for a signing key still being made. */
    DevIdpRoutes(String issuer, Function<AppId, String> appIssuer, Supplier<DevTokenMinter> minter, String defaultAudience,
                 AuthorizationCodes codes) {
        this.issuer = issuer;
        this.appIssuer = appIssuer;
        this.minter = minter;
        this.defaultAudience = defaultAudience;
        this.codes = codes;
        this.signIn = new SignIn(codes);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange, exchange.getRequestURI().getPath());
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "development identity provider failed", e);
                Responses.problem(exchange, Problem.internal());
            }
        }
    }

    private void route(HttpExchange exchange, String path) throws IOException {
        Matcher app = APP_DISCOVERY.matcher(path);
        if (path.equals("/dev" + DISCOVERY)) {
            get(exchange, () -> discovery(issuer));
        } else if (app.matches() && validAppId(app.group(1))) {
            get(exchange, () -> discovery(appIssuer.apply(AppId.of(app.group(1)))));
        } else if (path.equals("/dev/jwks")) {
            get(exchange, () -> minter.get().jwks());
        } else if (path.equals("/dev/authorize")) {
            signIn.handle(exchange);
        } else if (path.equals("/dev/token")) {
            token(exchange);
        } else {
            Responses.problem(exchange, Problem.notFound("The development identity provider serves /dev" + DISCOVERY
                    + ", /dev/jwks, /dev/authorize and /dev/token."));
        }
    }

    /** A public JSON document, readable from any origin as a real provider's are. */
    private void get(HttpExchange exchange, Supplier<String> body) throws IOException {
        if (exchange.getRequestMethod().equalsIgnoreCase("OPTIONS")) {
            Responses.preflight(exchange, "GET");
            return;
        }
        Responses.allowAnyOrigin(exchange);
        if (!Responses.allowed(exchange, "GET")) {
            return;
        }
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        Responses.send(exchange, 200, "application/json", body.get());
    }

    private void token(HttpExchange exchange) throws IOException {
        if (exchange.getRequestMethod().equalsIgnoreCase("OPTIONS")) {
            Responses.preflight(exchange, "POST");
            return;
        }
        // The ChatUI may be served from another origin than the provider (127.0.0.1 and localhost already are).
        Responses.allowAnyOrigin(exchange);
        if (!Responses.allowed(exchange, "POST")) {
            return;
        }
        Optional<byte[]> body = Responses.body(exchange);
        if (body.isEmpty()) {
            return;
        }
        String contentType = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type")).orElse("");
        if (contentType.toLowerCase(Locale.ROOT).startsWith(FORM)) {
            codeGrant(exchange, body.get());
        } else {
            direct(exchange, body.get());
        }
    }

    /** {@code grant_type=authorization_code}: OAuth errors as OAuth clients expect them. */
    private void codeGrant(HttpExchange exchange, byte[] body) throws IOException {
        String subject;
        try {
            subject = CodeExchange.subject(FormBody.parse(new String(body, StandardCharsets.UTF_8)), codes);
        } catch (OAuthError error) {
            Responses.oauthError(exchange, error);
            return;
        }
        issue(exchange, TokenRequest.forSubject(subject, defaultAudience));
    }

    /** JSON {@code {"sub": ...}}: a token for whoever is named, with problems naming each bad field. */
    private void direct(HttpExchange exchange, byte[] body) throws IOException {
        TokenRequest request;
        try {
            request = TokenRequest.parse(body, defaultAudience);
        } catch (TokenRequest.Invalid e) {
            Responses.problem(exchange, Problem.invalid(e.errors()));
            return;
        }
        issue(exchange, request);
    }

    private void issue(HttpExchange exchange, TokenRequest request) throws IOException {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", minter.get().mint(request));
        answer.put("token_type", "Bearer");
        answer.put("expires_in", request.expiresIn().toSeconds());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        Responses.send(exchange, 200, "application/json", Json.write(answer));
    }

    private String discovery(String issuerOfDocument) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuerOfDocument);
        document.put("jwks_uri", issuer + "/jwks");
        document.put("authorization_endpoint", issuer + "/authorize");
        document.put("token_endpoint", issuer + "/token");
        document.put("response_types_supported", List.of("code"));
        document.put("grant_types_supported", List.of(CodeExchange.GRANT_TYPE));
        document.put("code_challenge_methods_supported", List.of(Pkce.METHOD));
        // A public client (a browser app): no secret to authenticate with.
        document.put("token_endpoint_auth_methods_supported", List.of("none"));
        document.put("scopes_supported", List.of("openid"));
        document.put("subject_types_supported", List.of("public"));
        document.put("id_token_signing_alg_values_supported", List.of(minter.get().algorithm().getName()));
        return Json.write(document);
    }

    private static boolean validAppId(String value) {
        try {
            AppId.of(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
