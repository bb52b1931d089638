package ai.mozaiks.devhost.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.fixtures.FixtureFunctions;
import ai.mozaiks.devhost.functions.FunctionCatalog;
import ai.mozaiks.devhost.functions.FunctionInvoker;
import com.microsoft.azure.functions.spi.inject.FunctionInstanceInjector;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ChatUI's files as the devhost serves them beside the functions: content types, the app's
 * routes answered with index.html, caching, and the paths that stay with the API, the admin
 * endpoint and the devhost's own routes whatever the site holds.
 */
class StaticFilesIT {
    private static final String INDEX = "<!doctype html><title>ChatUI</title>";
    private static final String SCRIPT = "console.log('app');";

    @TempDir
    static Path temp;

    private static HttpHost host;
    private static ExecutorService executor;
    private static URI base;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void serve() throws IOException {
        Path dist = Files.createDirectories(temp.resolve("dist"));
        Files.writeString(dist.resolve("index.html"), INDEX);
        Files.createDirectories(dist.resolve("assets"));
        Files.writeString(dist.resolve("assets/index-AbC123.js"), SCRIPT);
        Files.writeString(dist.resolve("robots.txt"), "User-agent: *");
        Files.writeString(dist.resolve(".env"), "SECRET=1");
        Files.writeString(temp.resolve("outside.txt"), "NOT-IN-THE-SITE");

        HttpServer server = HttpHost.bind("127.0.0.1", 0);
        executor = Executors.newCachedThreadPool();
        FunctionCatalog catalog = FunctionCatalog.scan(List.of(FixtureFunctions.class), Map.of(
                FixtureFunctions.QUEUE_SETTING, "q", FixtureFunctions.POISON_QUEUE_SETTING, "p", FixtureFunctions.ENCODING_QUEUE_SETTING, "e"));
        HttpHandler dev = exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(204, -1);
            }
        };
        host = HttpHost.start(server, "", catalog, new FunctionInvoker(new NoArgumentConstructors()), (name, input) -> false,
                Map.of(HttpHost.SITE, StaticFiles.of(dist).orElseThrow(), "/dev", dev), executor);
        base = URI.create("http://127.0.0.1:" + host.port());
    }

    @AfterAll
    static void stop() {
        host.close();
        executor.shutdownNow();
    }

    @Test
    void theAppsPagesAndFilesAreServedWithTheirTypes() throws Exception {
        HttpResponse<String> index = get("/");
        assertEquals(200, index.statusCode());
        assertEquals(INDEX, index.body());
        assertEquals("text/html; charset=utf-8", header(index, "Content-Type"));
        assertEquals("nosniff", header(index, "X-Content-Type-Options"));

        HttpResponse<String> script = get("/assets/index-AbC123.js");
        assertEquals(200, script.statusCode());
        assertEquals(SCRIPT, script.body());
        assertEquals("text/javascript; charset=utf-8", header(script, "Content-Type"));
        assertEquals("text/plain; charset=utf-8", header(get("/robots.txt"), "Content-Type"));
    }

    @Test
    void theAppsOwnRoutesGetIndexHtmlButAMissingFileIsNotFound() throws Exception {
        for (String route : List.of("/apps/app_1/chats/chat_2", "/tenants/ten_1", "/signin")) {
            HttpResponse<String> page = get(route);
            assertEquals(200, page.statusCode(), route);
            assertEquals(INDEX, page.body(), route);
        }
        HttpResponse<String> missing = get("/assets/index-gone.js");
        assertEquals(404, missing.statusCode());
        assertEquals("application/problem+json", header(missing, "Content-Type"));
    }

    @Test
    void hashedAssetsAreCachedForGoodAndTheRestRevalidatedByEtag() throws Exception {
        assertEquals("public, max-age=31536000, immutable", header(get("/assets/index-AbC123.js"), "Cache-Control"));
        HttpResponse<String> index = get("/");
        assertEquals("no-cache", header(index, "Cache-Control"));
        String etag = header(index, "ETag");
        HttpResponse<String> again = HTTP.send(HttpRequest.newBuilder(base.resolve("/")).header("If-None-Match", etag).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(304, again.statusCode());
        assertEquals("", again.body());
    }

    @Test
    void headHasTheHeadersAndNoBodyAndOtherMethodsAreRefused() throws Exception {
        HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(base.resolve("/")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("text/html; charset=utf-8", header(head, "Content-Type"));
        assertEquals("", head.body());
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(base.resolve("/")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", header(post, "Allow"));
    }

    @Test
    void nothingHiddenAndNothingOutsideTheRootIsServed() throws Exception {
        for (String path : List.of("/.env", "/%2e%2e/outside.txt", "/assets/%2e%2e/%2e%2e/outside.txt", "/..%2foutside.txt")) {
            HttpResponse<String> response = get(path);
            assertEquals(404, response.statusCode(), path + ": " + response.body());
            assertTrue(!response.body().contains("SECRET") && !response.body().contains("NOT-IN-THE-SITE"), path);
        }
    }

    @Test
    void theApiTheAdminEndpointAndTheDevRoutesKeepTheirPaths() throws Exception {
        HttpResponse<String> function = get("/api/fixtures/echo/alice");
        assertEquals(200, function.statusCode());
        assertTrue(function.body().contains("\"function\":\"fixtureEcho\""), function.body());
        for (String path : List.of("/api/no-such-function", "/api", "/admin/unknown", "/ADMIN/x")) {
            HttpResponse<String> response = get(path);
            assertEquals(404, response.statusCode(), path);
            assertEquals("application/problem+json", header(response, "Content-Type"), path + " is not the app's page");
        }
        assertEquals(204, get("/dev/anything").statusCode());
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** Builds the fixture functions as the worker does without an injector: by their no-argument constructor. */
    private static final class NoArgumentConstructors implements FunctionInstanceInjector {
        @Override
        public <T> T getInstance(Class<T> functionClass) throws Exception {
            return functionClass.getDeclaredConstructor().newInstance();
        }
    }
}
