package ai.mozaiks.devhost.http;

import ai.mozaiks.devhost.functions.DevExecutionContext;
import ai.mozaiks.devhost.functions.FunctionCatalog;
import ai.mozaiks.devhost.functions.FunctionDescriptor;
import ai.mozaiks.devhost.functions.FunctionInvoker;
import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves the HTTP-triggered functions at their annotated routes and methods, and the host's admin
 * endpoint {@code POST /admin/functions/{name}} that runs a non-HTTP function now. As with Core
 * Tools, function keys are not required locally. A site (the ChatUI's files) may serve the rest.
 */
public final class HttpHost implements AutoCloseable {
    /** The host route that names the site rather than a path prefix of its own. */
    public static final String SITE = "/";
    private static final Pattern ADMIN = Pattern.compile("/admin/functions/([^/]+)/?");
    /** First path segments that stay with the API, the admin endpoint and the devhost's own routes, whatever a site holds. */
    private static final Set<String> NOT_FOR_SITE = Set.of("api", "admin", "dev");
    private static final int MAX_BODY = 8 * 1024 * 1024;

    static {
        // The JDK server writes a response's head and body apart; with Nagle's algorithm on, the body then waits for the
        // client's delayed ACK, 40 ms on Linux, on every keep-alive request. The server reads this once, when the JVM's
        // first one starts (the devhost binds this one first; tests and benchmarks set it on their command line too).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** Runs a queue or timer function now with the given input; false when no such function exists. */
    public interface AdminTrigger {
        boolean fire(String functionName, String input);
    }

    private final HttpServer server;
    private final String routePrefix;
    private final List<FunctionDescriptor.Http> functions;
    private final FunctionInvoker invoker;
    private final AdminTrigger admin;
    private final HttpHandler site;

    private HttpHost(HttpServer server, String routePrefix, FunctionCatalog catalog, FunctionInvoker invoker, AdminTrigger admin,
                     HttpHandler site) {
        this.server = server;
        this.routePrefix = routePrefix.replaceAll("^/+|/+$", "");
        this.functions = catalog.http();
        this.invoker = invoker;
        this.admin = admin;
        this.site = site;
    }

    /** Binds to the loopback port first, so a taken port fails before anything else starts. */
    public static HttpServer bind(String host, int port) throws IOException {
        try {
            return HttpServer.create(new InetSocketAddress(host, port), 256);
        } catch (java.net.BindException e) {
            throw new IllegalStateException("port " + port + " on " + host + " is already in use"
                    + " (is another devhost or func host running?); stop it or pass --port <n>");
        }
    }

    /**
     * Starts serving. {@code hostRoutes} are the devhost's own endpoints (such as the development
     * identity provider), by path prefix; they are not functions and never exist in Azure. The one for
     * {@link #SITE} is a site: it gets every request that no function, host route or admin endpoint
     * takes, outside {@code /api}, {@code /admin} and {@code /dev}.
     */
    public static HttpHost start(HttpServer server, String routePrefix, FunctionCatalog catalog, FunctionInvoker invoker,
                                 AdminTrigger admin, Map<String, HttpHandler> hostRoutes,
                                 ExecutorService executor) {
        HttpHost host = new HttpHost(server, routePrefix, catalog, invoker, admin, hostRoutes.get(SITE));
        server.createContext("/", host::handle);
        hostRoutes.forEach((path, handler) -> {
            if (!path.equals(SITE)) {
                server.createContext(path, handler);
            }
        });
        server.setExecutor(executor);
        server.start();
        return host;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            Matcher adminPath = ADMIN.matcher(path);
            if (adminPath.matches()) {
                handleAdmin(exchange, URLDecoder.decode(adminPath.group(1), StandardCharsets.UTF_8));
                return;
            }
            if (site != null && forSite(path)) {
                site.handle(exchange);
                return;
            }
            handleFunction(exchange, path);
        }
    }

    /** Whether a path is the site's: not under a reserved first segment or the route prefix, and no function's route. */
    private boolean forSite(String rawPath) {
        String path = rawPath.replaceAll("^/+", "");
        String first = path.split("/", 2)[0].toLowerCase(Locale.ROOT);
        if (NOT_FOR_SITE.contains(first) || (!routePrefix.isEmpty() && first.equals(routePrefix.toLowerCase(Locale.ROOT)))) {
            return false;
        }
        return functions.stream().noneMatch(function -> function.route().match(path).isPresent());
    }

    private void handleAdmin(HttpExchange exchange, String name) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            exchange.getResponseHeaders().set("Allow", "POST");
            sendProblem(exchange, Problem.methodNotAllowed("The admin endpoint takes POST."));
            return;
        }
        String body = new String(readBody(exchange), StandardCharsets.UTF_8);
        String input = "";
        if (!body.isBlank()) {
            try {
                input = Json.mapper().readTree(body).path("input").asText("");
            } catch (IOException e) {
                sendProblem(exchange, Problem.invalid(List.of(new Problem.FieldError("body", "must be JSON like {\"input\": \"...\"}"))));
                return;
            }
        }
        if (!admin.fire(name, input)) {
            sendProblem(exchange, Problem.notFound("No queue or timer function named " + name + "."));
            return;
        }
        exchange.sendResponseHeaders(202, -1);
    }

    private void handleFunction(HttpExchange exchange, String rawPath) throws IOException {
        String path = rawPath.replaceAll("^/+", "");
        if (!routePrefix.isEmpty()) {
            if (!path.toLowerCase(Locale.ROOT).startsWith(routePrefix.toLowerCase(Locale.ROOT) + "/")) {
                sendProblem(exchange, Problem.notFound("No function serves " + rawPath + "."));
                return;
            }
            path = path.substring(routePrefix.length() + 1);
        }
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        Set<String> allowed = new TreeSet<>();
        for (FunctionDescriptor.Http function : functions) {
            Optional<Map<String, String>> parameters = function.route().match(path);
            if (parameters.isEmpty()) {
                continue;
            }
            if (!function.methods().contains(method)) {
                allowed.addAll(function.methods());
                continue;
            }
            invoke(exchange, function, method, parameters.get());
            return;
        }
        if (!allowed.isEmpty()) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            sendProblem(exchange, Problem.methodNotAllowed(method + " is not allowed on " + rawPath + "."));
            return;
        }
        sendProblem(exchange, Problem.notFound("No function serves " + rawPath + "."));
    }

    private void invoke(HttpExchange exchange, FunctionDescriptor.Http function, String method, Map<String, String> routeValues)
            throws IOException {
        DevExecutionContext context = new DevExecutionContext(function.name());
        long started = System.nanoTime();
        DevHttpRequest<?> request;
        try {
            request = request(exchange, function, method);
        } catch (BodyTooLarge e) {
            sendProblem(exchange, Problem.of(413, "payload_too_large", "Payload too large",
                    "The request body exceeds " + MAX_BODY + " bytes."));
            return;
        }
        HttpResponseMessage response;
        try {
            Map<String, Object> bindingData = new LinkedHashMap<>(request.getQueryParameters());
            bindingData.putAll(routeValues);
            response = (HttpResponseMessage) invoker.invoke(function, request, bindingData, context);
        } catch (Exception e) {
            context.getLogger().log(java.util.logging.Level.SEVERE, "function failed", e);
            sendProblem(exchange, Problem.internal());
            return;
        }
        int status = send(exchange, response);
        context.getLogger().info("Executed " + method + " " + exchange.getRequestURI().getPath() + " -> " + status
                + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
    }

    private DevHttpRequest<?> request(HttpExchange exchange, FunctionDescriptor.Http function, String method) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        Map<String, String> query = new LinkedHashMap<>();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.putIfAbsent(key, value);
            }
        }
        String hostHeader = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Host")).orElse("localhost:" + port());
        URI uri = URI.create("http://" + hostHeader + exchange.getRequestURI());
        byte[] bytes = readBody(exchange);
        return new DevHttpRequest<>(uri, HttpMethod.value(method), headers, query, body(function, bytes));
    }

    /** The body in the type the function declared: {@code Optional<String>}, {@code String} or bytes. */
    private static Object body(FunctionDescriptor.Http function, byte[] bytes) {
        Type declared = String.class;
        for (java.lang.reflect.Parameter parameter : function.method().getParameters()) {
            if (parameter.getParameterizedType() instanceof ParameterizedType type
                    && parameter.isAnnotationPresent(com.microsoft.azure.functions.annotation.HttpTrigger.class)) {
                declared = type.getActualTypeArguments()[0];
            }
        }
        boolean optional = declared instanceof ParameterizedType p && p.getRawType() == Optional.class;
        Type inner = optional ? ((ParameterizedType) declared).getActualTypeArguments()[0] : declared;
        Object value = bytes.length == 0 ? null
                : inner == byte[].class ? bytes : new String(bytes, StandardCharsets.UTF_8);
        return optional ? Optional.ofNullable(value) : value;
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new BodyTooLarge();
            }
            return bytes;
        }
    }

    private static int send(HttpExchange exchange, HttpResponseMessage response) throws IOException {
        if (response == null) {
            exchange.sendResponseHeaders(204, -1);
            return 204;
        }
        DevHttpResponse dev = (DevHttpResponse) response;
        Object body = dev.getBody();
        byte[] bytes;
        String contentType = dev.getHeader("Content-Type");
        if (body == null) {
            bytes = new byte[0];
        } else if (body instanceof byte[] raw) {
            bytes = raw;
        } else if (body instanceof String text) {
            bytes = text.getBytes(StandardCharsets.UTF_8);
            contentType = contentType == null ? "text/plain; charset=utf-8" : contentType;
        } else {
            bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
            contentType = contentType == null ? "application/json" : contentType;
        }
        dev.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        if (contentType != null) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
        }
        int status = response.getStatusCode();
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        return status;
    }

    private static void sendProblem(HttpExchange exchange, Problem problem) throws IOException {
        byte[] bytes = Json.write(problem).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", Problem.CONTENT_TYPE);
        exchange.sendResponseHeaders(problem.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The host's request size limit was exceeded. */
    private static final class BodyTooLarge extends IOException {
    }
}
