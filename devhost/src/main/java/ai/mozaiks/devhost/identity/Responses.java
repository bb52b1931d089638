package ai.mozaiks.devhost.identity;

import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** How the identity provider's endpoints answer. */
final class Responses {
    static final int MAX_BODY = 64 * 1024;

    private Responses() {
    }

    /** The request body, or empty when it is larger than {@link #MAX_BODY} (answered with 413 already). */
    static Optional<byte[]> body(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            problem(exchange, Problem.of(413, "payload_too_large", "Payload too large", "A request is at most " + MAX_BODY + " bytes."));
            return Optional.empty();
        }
        return Optional.of(body);
    }

    /** Whether the method is {@code method}; otherwise answers 405 naming the allowed ones. */
    static boolean allowed(HttpExchange exchange, String... methods) throws IOException {
        for (String method : methods) {
            if (exchange.getRequestMethod().equalsIgnoreCase(method)) {
                return true;
            }
        }
        String allow = String.join(", ", methods);
        exchange.getResponseHeaders().set("Allow", allow);
        problem(exchange, Problem.methodNotAllowed(exchange.getRequestMethod() + " is not allowed on "
                + exchange.getRequestURI().getPath() + "; use " + allow + "."));
        return false;
    }

    /**
     * Lets a page on another origin read the answer (the ChatUI served elsewhere than the IdP, as in
     * Azure). No credentials are involved, so any origin may.
     */
    static void allowAnyOrigin(HttpExchange exchange) {
        exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
    }

    /** Answers a CORS preflight for {@code methods}. */
    static void preflight(HttpExchange exchange, String methods) throws IOException {
        allowAnyOrigin(exchange);
        exchange.getResponseHeaders().set("Access-Control-Allow-Methods", methods);
        exchange.getResponseHeaders().set("Access-Control-Allow-Headers", "Content-Type, Accept");
        exchange.getResponseHeaders().set("Access-Control-Max-Age", "600");
        exchange.sendResponseHeaders(204, -1);
    }

    static void oauthError(HttpExchange exchange, OAuthError error) throws IOException {
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, error.status(), "application/json", Json.write(error.toJson()));
    }

    static void problem(HttpExchange exchange, Problem problem) throws IOException {
        send(exchange, problem.status(), Problem.CONTENT_TYPE, Json.write(problem));
    }

    /** An HTML page that no other site may frame and no script may run in. */
    static void html(HttpExchange exchange, int status, String page) throws IOException {
        exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
        exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, status, "text/html; charset=utf-8", page);
    }

    /** 303: the browser follows a form's POST with a GET. No referrer, so the code stays out of it. */
    static void redirect(HttpExchange exchange, URI location) throws IOException {
        exchange.getResponseHeaders().set("Location", location.toString());
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(303, -1);
    }

    static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
