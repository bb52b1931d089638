package ai.mozaiks.devhost.identity;

import java.util.Map;

/**
 * The HTML of {@code /dev/authorize}: a form asking who to sign in as, or why the request is refused.
 * Every value is escaped; the page has no script, so it works with the strictest CSP.
 */
final class AuthorizePage {
    private static final String STYLE = "body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;"
            + "color:#1b1f24}label{display:block;font-weight:600;margin:1rem 0 .25rem}input{font:inherit;width:100%;"
            + "box-sizing:border-box;padding:.5rem}button{font:inherit;margin:1rem .5rem 0 0;padding:.5rem 1rem}"
            + ".error{color:#a40e26}.hint{color:#57606a;font-size:.9rem}";

    private AuthorizePage() {
    }

    /** The sign-in form for {@code request}, the user id field holding {@code user}, with {@code error} about it if any. */
    static String form(AuthorizationRequest request, String user, String error) {
        StringBuilder hidden = new StringBuilder();
        for (Map.Entry<String, String> parameter : request.parameters().entrySet()) {
            hidden.append("<input type=\"hidden\" name=\"").append(escape(parameter.getKey()))
                    .append("\" value=\"").append(escape(parameter.getValue())).append("\">");
        }
        String invalid = error == null ? "" : " aria-invalid=\"true\" aria-describedby=\"user-error\"";
        return page("Sign in",
                "<p>Development identity provider: any user id signs in. <span class=\"hint\">"
                        + escape(request.clientId()) + " is asking, and will be sent back to "
                        + escape(request.redirectUri().getScheme() + "://" + request.redirectUri().getAuthority()) + ".</span></p>"
                        + "<form method=\"post\" action=\"/dev/authorize\">" + hidden
                        + "<label for=\"user-id\">User id</label>"
                        + "<input id=\"user-id\" name=\"user\" required maxlength=\"" + SignIn.MAX_USER + "\" pattern=\"\\S+\""
                        + " autocomplete=\"username\" autofocus value=\"" + escape(user == null ? "" : user) + "\"" + invalid + ">"
                        + (error == null ? "" : "<p id=\"user-error\" class=\"error\" role=\"alert\">" + escape(error) + "</p>")
                        + "<button type=\"submit\" name=\"action\" value=\"sign-in\">Sign in</button>"
                        + "<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button>"
                        + "</form>");
    }

    /** Why a request cannot be answered at its redirect URI: the error is shown here instead (RFC 6749 §4.1.2.1). */
    static String refusal(OAuthError error) {
        return page("Sign-in request refused",
                "<p role=\"alert\"><strong>" + escape(error.error()) + "</strong>: " + escape(error.description()) + "</p>");
    }

    private static String page(String title, String content) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + escape(title) + " · Mozaiks development IdP</title><style>" + STYLE + "</style></head>"
                + "<body><main><h1>" + escape(title) + "</h1>" + content + "</main></body></html>";
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
