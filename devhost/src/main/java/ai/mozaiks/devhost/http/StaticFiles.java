package ai.mozaiks.devhost.http;

import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A single-page app's built files, served as a static web host serves them: GET and HEAD only; the
 * content type by file extension; {@code index.html} for any path whose last segment has no extension
 * (the app's own routes, so a reload of {@code /apps/x/chats/y} works); the content-hashed files under
 * {@code assets/} cached for good and everything else revalidated by ETag, so a rebuild shows at once.
 */
public final class StaticFiles implements HttpHandler {
    /** Where the ChatUI's build ({@code npm run build} in web/) puts its output, relative to the checkout. */
    public static final String CHAT_UI = "web/dist";

    private static final String INDEX = "index.html";
    /** Vite names the files here after their content: a changed file is a new name. */
    private static final String HASHED = "assets/";
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";
    private static final String REVALIDATE = "no-cache";
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"));

    private final Path root;

    private StaticFiles(Path root) {
        this.root = root;
    }

    /** The files under {@code root}, if it holds a built app (an {@code index.html}). */
    public static Optional<StaticFiles> of(Path root) throws IOException {
        if (!Files.isRegularFile(root.resolve(INDEX))) {
            return Optional.empty();
        }
        return Optional.of(new StaticFiles(root.toRealPath()));
    }

    /** The ChatUI of the checkout at {@code home}, if it was built. */
    public static Optional<StaticFiles> chatUi(Path home) throws IOException {
        return of(home.resolve(CHAT_UI));
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, Problem.methodNotAllowed(method + " is not allowed on the ChatUI's files; use GET."));
                return;
            }
            Optional<Path> file = resolve(exchange.getRequestURI().getPath());
            if (file.isEmpty()) {
                send(exchange, Problem.notFound("No file " + exchange.getRequestURI().getPath() + "."));
                return;
            }
            serve(exchange, file.get(), method.equals("HEAD"));
        }
    }

    /** The file for a request path: itself, or the app's index.html for one of its routes; never outside the root. */
    private Optional<Path> resolve(String requestPath) throws IOException {
        String relative = requestPath.replaceAll("^/+", "");
        for (String segment : relative.split("/")) {
            // No way out of the root, and nothing hidden (.env, .git) in it.
            if (segment.startsWith(".") || segment.indexOf('\0') >= 0 || segment.indexOf('\\') >= 0) {
                return Optional.empty();
            }
        }
        Path file = root.resolve(relative).normalize();
        if (!file.startsWith(root)) {
            return Optional.empty();
        }
        if (Files.isDirectory(file)) {
            file = file.resolve(INDEX);
        }
        if (Files.isRegularFile(file)) {
            return Optional.of(file.toRealPath()).filter(real -> real.startsWith(root));
        }
        String last = relative.substring(relative.lastIndexOf('/') + 1);
        return last.contains(".") ? Optional.empty() : Optional.of(root.resolve(INDEX));
    }

    private void serve(HttpExchange exchange, Path file, boolean head) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        String etag = "W/\"" + Long.toHexString(attributes.size()) + "-" + Long.toHexString(attributes.lastModifiedTime().toMillis()) + "\"";
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", TYPES.getOrDefault(extension(file), "application/octet-stream"));
        headers.set("Cache-Control", root.relativize(file).toString().replace('\\', '/').startsWith(HASHED) ? IMMUTABLE : REVALIDATE);
        headers.set("ETag", etag);
        headers.set("X-Content-Type-Options", "nosniff");
        if (etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
            exchange.sendResponseHeaders(304, -1);
            return;
        }
        if (head) {
            headers.set("Content-Length", Long.toString(attributes.size()));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, attributes.size() == 0 ? -1 : attributes.size());
        try (OutputStream out = exchange.getResponseBody()) {
            Files.copy(file, out);
        }
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static void send(HttpExchange exchange, Problem problem) throws IOException {
        byte[] bytes = Json.write(problem).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", Problem.CONTENT_TYPE);
        exchange.sendResponseHeaders(problem.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
