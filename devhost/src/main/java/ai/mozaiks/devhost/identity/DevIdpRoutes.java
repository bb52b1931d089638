package ai.mozaiks.devhost.identity;

import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import ai.mozaiks.tenancy.AppId;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The HTTP face of the development identity provider: discovery, JWKS and the token endpoint. */
final class DevIdpRoutes implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(DevIdpRoutes.class.getName());
    private static final String DISCOVERY = "/.well-known/openid-configuration";
    private static final Pattern APP_DISCOVERY = Pattern.compile("/dev/apps/([^/]+)" + Pattern.quote(DISCOVERY));
    private static final int MAX_BODY = 64 * 1024;

    private final String issuer;
    private final Function<AppId, String> appIssuer;
    private final Supplier<DevTokenMinter> minter;
    private final String defaultAudience;

    /** {@code minter} may wait for a signing key still being made. */
    DevIdpRoutes(String issuer, Function<AppId, String> appIssuer, Supplier<DevTokenMinter> minter, String defaultAudience) {
        this.issuer = issuer;
        this.appIssuer = appIssuer;
        this.minter = minter;
        this.defaultAudience = defaultAudience;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange, exchange.getRequestURI().getPath());
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "development identity provider failed", e);
                send(exchange, Problem.internal());
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
        } else if (path.equals("/dev/token")) {
            token(exchange);
        } else {
            send(exchange, Problem.notFound("The development identity provider serves /dev" + DISCOVERY + ", /dev/jwks and /dev/token."));
        }
    }

    private void get(HttpExchange exchange, Supplier<String> body) throws IOException {
        if (!allowed(exchange, "GET")) {
            return;
        }
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        send(exchange, 200, "application/json", body.get());
    }

    private void token(HttpExchange exchange) throws IOException {
        if (!allowed(exchange, "POST")) {
            return;
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            send(exchange, Problem.of(413, "payload_too_large", "Payload too large", "A token request is at most " + MAX_BODY + " bytes."));
            return;
        }
        TokenRequest request;
        try {
            request = TokenRequest.parse(body, defaultAudience);
        } catch (TokenRequest.Invalid e) {
            send(exchange, Problem.invalid(e.errors()));
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", minter.get().mint(request));
        answer.put("token_type", "Bearer");
        answer.put("expires_in", request.expiresIn().toSeconds());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, 200, "application/json", Json.write(answer));
    }

    private String discovery(String issuerOfDocument) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuerOfDocument);
        document.put("jwks_uri", issuer + "/jwks");
        document.put("token_endpoint", issuer + "/token");
        document.put("response_types_supported", List.of("token"));
        document.put("subject_types_supported", List.of("public"));
        document.put("id_token_signing_alg_values_supported", List.of("RS256"));
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

    private static boolean allowed(HttpExchange exchange, String method) throws IOException {
        if (exchange.getRequestMethod().equalsIgnoreCase(method)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", method);
        send(exchange, Problem.methodNotAllowed(exchange.getRequestMethod() + " is not allowed on "
                + exchange.getRequestURI().getPath() + "; use " + method + "."));
        return false;
    }

    private static void send(HttpExchange exchange, Problem problem) throws IOException {
        send(exchange, problem.status(), Problem.CONTENT_TYPE, Json.write(problem));
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
