package ai.mozaiks.devhost.identity;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /dev/authorize}, the authorization endpoint: GET shows the sign-in page, POST (the page's form)
 * signs in the user id given and sends the browser back to the client with a code, or with
 * {@code error=access_denied} when the developer cancels.
 */
final class SignIn {
    static final int MAX_USER = 256;

    private final AuthorizationCodes codes;

    SignIn(AuthorizationCodes codes) {
        this.codes = codes;
    }

    void handle(HttpExchange exchange) throws IOException {
        if (!Responses.allowed(exchange, "GET", "POST")) {
            return;
        }
        boolean post = exchange.getRequestMethod().equalsIgnoreCase("POST");
        Map<String, String> parameters;
        AuthorizationRequest request;
        try {
            if (post) {
                Optional<byte[]> body = Responses.body(exchange);
                if (body.isEmpty()) {
                    return;
                }
                parameters = FormBody.parse(new String(body.get(), StandardCharsets.UTF_8));
            } else {
                parameters = FormBody.parse(exchange.getRequestURI().getRawQuery());
            }
            request = AuthorizationRequest.parse(parameters);
        } catch (OAuthError error) {
            Responses.html(exchange, 400, AuthorizePage.refusal(error));
            return;
        }
        if (!post) {
            Responses.html(exchange, 200, AuthorizePage.form(request, request.loginHint(), null));
        } else if ("cancel".equals(parameters.get("action"))) {
            Responses.redirect(exchange, request.redirectWith(Map.of("error", "access_denied",
                    "error_description", "The sign-in was cancelled.")));
        } else {
            String user = parameters.getOrDefault("user", "").strip();
            if (!user.matches("\\S{1," + MAX_USER + "}")) {
                Responses.html(exchange, 400, AuthorizePage.form(request, user,
                        "Enter a user id: 1 to " + MAX_USER + " characters, no spaces."));
                return;
            }
            Responses.redirect(exchange, request.redirectWith(Map.of("code", codes.issue(request, user))));
        }
    }
}
