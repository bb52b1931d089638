package ai.mozaiks.devhost.controlplane;

import ai.mozaiks.persistence.StrictProfileExtension;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.ProjectHome;
import ai.mozaiks.devhost.TestEmulators;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.devhost.webpubsub.EmulatorOptions;
import ai.mozaiks.devhost.webpubsub.EventHandler;
import ai.mozaiks.devhost.webpubsub.WebPubSubEmulator;
import ai.mozaiks.devhost.identity.DevIdentityProvider;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.http.Json;
import ai.mozaiks.platform.Platform;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoDatabase;
import com.nimbusds.jose.jwk.JWK;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The control plane as a client sees it, started once per test JVM: embedded MongoDB and Azurite,
 * the development identity provider and the real function classes on one loopback port, built
 * by the real {@link Platform} and injector. Tests talk to it over HTTP only, mint tokens at
 * {@code POST /dev/token}, and check storage with the raw MongoDB driver and the blob SDK.
 */
final class ControlPlane {
    static final String AUDIENCE = "mozaiks-test";
    /** Databases of their own, so counts are not disturbed by other test classes of this JVM. */
    static final String CONTROL_DB = "cp_control";
    static final String RUNTIME_DB = "cp_runtime";
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** The control collections a control-plane request may write to. */
    static final List<String> CONTROL_COLLECTIONS = List.of("tenants", "memberships", "invitations", "apps", "audit", "packs", "app_settings");

    private static final String RUN_QUEUE = "cp-migrations-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private static ControlPlane instance;
    /** Tenants {@link #createApp} has had entitled. */
    private final Set<String> entitled = ConcurrentHashMap.newKeySet();

    /** Short, so a test can outlast it: a client away longer must reconnect with a fresh URL. */
    static final Duration RECOVERY_WINDOW = Duration.ofSeconds(3);
    static final String ACCESS_KEY = "Y29udHJvbC1wbGFuZS13ZWJwdWJzdWIta2V5LTMyIGJ5dGVzIQ==";

    final Path home;
    final DevIdentityProvider idp;
    final WebPubSubEmulator webPubSub;
    final Map<String, String> settings;
    final Platform platform;
    final FunctionHost host;
    final URI base;
    final HttpClient http;
    final MongoClient mongo;
    final BlobServiceClient blobs;

    private ControlPlane() throws IOException {
        home = Files.createTempDirectory("mozaiks-controlplane-");
        HttpServer server = HttpHost.bind("127.0.0.1", 0);
        int port = server.getAddress().getPort();
        idp = DevIdentityProvider.start(home, port, AUDIENCE, Map.of("MOZAIKS_ENVIRONMENT", "development"), Clock.systemUTC());
        webPubSub = startWebPubSub("http://127.0.0.1:" + port + "/api/realtime/upstream");
        Map<String, String> all = baseSettings(idp);
        all.put("WEBPUBSUB_CONNECTION_STRING", webPubSub.connectionString());
        settings = Map.copyOf(all);
        platform = Platform.start(Settings.from(settings));
        ai.mozaiks.devhost.DeployStep.ensureSchema(platform);
        host = FunctionHost.start(server, FunctionFactory.functionClasses(), new PlatformFunctionInjector(platform), settings,
                HostJson.load(), idp.routes());
        base = URI.create("http://127.0.0.1:" + host.port());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        mongo = MongoClients.create(TestEmulators.mongo().connectionString());
        blobs = new BlobServiceClientBuilder().connectionString(TestEmulators.azurite().connectionString()).buildClient();
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "controlplane-stop"));
    }

    private static WebPubSubEmulator startWebPubSub(String upstream) {
        try {
            return WebPubSubEmulator.start(EmulatorOptions.withKey(ACCESS_KEY).withRecoveryWindow(RECOVERY_WINDOW)
                    .withEventHandler("chat", new EventHandler(upstream, Set.of("connect", "connected", "disconnected"), "*")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The one control plane of this JVM, started on first use. */
    static synchronized ControlPlane get() {
        if (instance == null) {
            try {
                instance = new ControlPlane();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** The settings every platform of these tests runs with (the purge test adds its grace). */
    static Map<String, String> baseSettings(DevIdentityProvider idp) {
        Map<String, String> map = new HashMap<>();
        map.put("MONGODB_CONNECTION_STRING", TestEmulators.mongo().connectionString());
        map.put("MONGODB_CONTROL_DATABASE", CONTROL_DB);
        map.put("MONGODB_RUNTIME_DATABASE", RUNTIME_DB);
        map.put("AzureWebJobsStorage", TestEmulators.azurite().connectionString());
        map.put("MOZAIKS_ENVIRONMENT", "development");
        map.put("AUTH_PLATFORM_ISSUER", idp.issuer());
        map.put("AUTH_PLATFORM_JWKS_URL", idp.jwksUri().toString());
        map.put("AUTH_PLATFORM_AUDIENCE", AUDIENCE);
        map.put("WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:1;AccessKey=dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh;Version=1.0;");
        map.put("RUNTIME_TOKEN_KEY", "dGVzdC1ydW50aW1lLXRva2VuLWtleS0zMi1ieXRlcyEh");
        map.put("APP_SETTINGS_KEY", "dGVzdC1hcHAtc2V0dGluZ3Mta2V5LW9mLTMyLWJ5dGU=");
        map.put("MODEL_PROVIDER", "offline");
        map.putAll(StrictProfileExtension.SETTINGS);
        map.put("STEP_QUEUE", "steps-" + Long.toHexString(System.nanoTime()));
        map.put("WORKFLOWS_DIR", ProjectHome.find().resolve("workflows").toString());
        map.put("APP_PURGE_SCHEDULE", "0 0 0 1 1 *");
        map.put("STALL_REAPER_SCHEDULE", "0 0 0 1 1 *");
        // A queue of these tests' own, so no other host of this JVM takes their messages.
        map.put("MIGRATION_QUEUE", RUN_QUEUE);
        // Fixtures here create many tenants and apps per user in seconds; the limits have tests of their own (CreationLimitsIT).
        map.put("TENANTS_PER_USER", "10000");
        map.put("CREATES_PER_USER_PER_MINUTE", "10000");
        return map;
    }

    private void close() {
        try {
            host.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        platform.close();
        webPubSub.close();
        mongo.close();
    }

    // ---- HTTP ------------------------------------------------------------------------------------

    /** One answer, read whole. */
    record Response(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(body == null || body.isEmpty() ? "null" : body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String code() {
            return json().path("code").asText(null);
        }

        String contentType() {
            return header("Content-Type");
        }

        /** The fields named by a validation problem, in order. */
        Set<String> errorFields() {
            Set<String> fields = new LinkedHashSet<>();
            json().path("errors").forEach(error -> fields.add(error.path("field").asText()));
            return fields;
        }

        /** The message of the first error naming {@code field}, or null. */
        String errorMessage(String field) {
            for (JsonNode error : json().path("errors")) {
                if (field.equals(error.path("field").asText())) {
                    return error.path("message").asText();
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    Response send(String method, String path, String token, String body, String... headerPairs) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headerPairs.length; i += 2) {
            builder.header(headerPairs[i], headerPairs[i + 1]);
        }
        if (body != null) {
            builder.header("Content-Type", "application/json");
            builder.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return send(builder.build());
    }

    Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    Response get(String path, User user) {
        return send("GET", path, user == null ? null : user.token(), null);
    }

    Response post(String path, User user, Object body) {
        return send("POST", path, user == null ? null : user.token(), body == null ? null : json(body));
    }

    Response patch(String path, User user, Object body) {
        return send("PATCH", path, user == null ? null : user.token(), json(body));
    }

    Response put(String path, User user, Object body) {
        return send("PUT", path, user == null ? null : user.token(), json(body));
    }

    Response delete(String path, User user) {
        return send("DELETE", path, user == null ? null : user.token(), null);
    }

    static String json(Object value) {
        return value instanceof String text ? text : Json.write(value);
    }

    /** An ordered map from alternating keys and values, for request bodies. */
    static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    static Response expect(int status, Response response, String what) {
        assertEquals(status, response.status(), what + ": " + response.body());
        return response;
    }

    // ---- identities ------------------------------------------------------------------------------

    /** A signed-in person: their subject, address and a bearer token minted for them. */
    record User(String sub, String email, String token) {
    }

    static String unique(String prefix) {
        return prefix + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    /** Mints a token at {@code POST /dev/token} for exactly this request. */
    String mint(Map<String, Object> request) {
        Response response = send("POST", "/dev/token", null, json(request));
        expect(200, response, "POST /dev/token " + request);
        return response.json().path("access_token").asText();
    }

    /** A new platform user with a unique subject and address, and {@code roles} in the token. */
    User user(String name, String... roles) {
        String sub = unique(name);
        String email = sub + "@example.com";
        Map<String, Object> request = obj("sub", sub, "email", email);
        if (roles.length > 0) {
            request.put("roles", List.of(roles));
        }
        return new User(sub, email, mint(request));
    }

    User platformAdmin() {
        return user("platform-admin", "platform_admin");
    }

    /** A user signed in through the app's own identity provider (the app must trust it, see {@link #trustEndUsers}). */
    User endUser(String appId, String name) {
        String sub = unique(name);
        String email = sub + "@example.com";
        return new User(sub, email, mint(obj("sub", sub, "email", email, "app_id", appId)));
    }

    /** The end-user IdP record that makes an app trust {@link #endUser} tokens minted for it. */
    Map<String, Object> endUserIdp(String appId) {
        return obj("issuer", idp.appIssuer(ai.mozaiks.kernel.AppId.of(appId)), "audience", AUDIENCE,
                "jwks_url", idp.jwksUri().toString());
    }

    void trustEndUsers(User admin, String appId) {
        expect(200, patch("/api/apps/" + appId, admin, obj("end_user_idp", endUserIdp(appId))), "PATCH end_user_idp of " + appId);
    }

    /** The development IdP's private key, as it keeps it on disk, to sign tokens it would never mint. */
    JWK devSigningKey() {
        user("warm-up"); // the key is made in the background; a minted token means it exists
        Path file = home.resolve(DevIdentityProvider.STATE_DIRECTORY).resolve("signing-key.json");
        try {
            return JWK.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ParseException e) {
            throw new IllegalStateException(file + " is not a JWK", e);
        }
    }

    // ---- tenants, members, apps ------------------------------------------------------------------

    String createTenant(User owner) {
        return expect(201, post("/api/tenants", owner, obj("name", unique("tenant"))), "create tenant").json().path("id").asText();
    }

    /** Invites a new user with {@code role} and has them accept: the tenant's newest member. */
    User addMember(String tenantId, User inviter, String name, String role) {
        User member = user(name);
        String invitation = invite(tenantId, inviter, member.email(), role);
        expect(200, post("/api/invitations/" + invitation + "/accept", member, null), "accept invitation as " + name);
        return member;
    }

    String invite(String tenantId, User inviter, String email, String role) {
        return expect(201, post("/api/tenants/" + tenantId + "/invitations", inviter, obj("email", email, "role", role)),
                "invite " + email + " as " + role).json().path("id").asText();
    }

    /**
     * Creates an app; a tier above {@code free} needs the tenant's entitlement, which a platform administrator grants
     * first (once per tenant, the highest tier, as an operator setting up a paying tenant would).
     */
    String createApp(User actor, String tenantId, String tier) {
        if (!"free".equals(tier) && entitled.add(tenantId)) {
            entitle(tenantId, "enterprise");
        }
        return expect(201, post("/api/tenants/" + tenantId + "/apps", actor, obj("name", unique("app"), "tier", tier)),
                "create " + tier + " app").json().path("id").asText();
    }

    /** A platform administrator sets the highest tier the tenant's apps may use. */
    void entitle(String tenantId, String maxTier) {
        expect(200, put("/api/admin/tenants/" + tenantId + "/entitlement", platformAdmin(), obj("max_tier", maxTier)),
                "entitle " + tenantId + " to " + maxTier);
    }

    // ---- storage, checked directly -----------------------------------------------------------------

    MongoDatabase control() {
        return mongo.getDatabase(CONTROL_DB);
    }

    MongoDatabase runtime() {
        return mongo.getDatabase(RUNTIME_DB);
    }

    MongoDatabase database(String name) {
        return mongo.getDatabase(name);
    }

    long count(MongoDatabase database, String collection, Bson filter) {
        Long found = Mono.from(database.getCollection(collection).countDocuments(filter == null ? new Document() : filter)).block(TIMEOUT);
        return found == null ? 0 : found;
    }

    long count(String controlCollection, Bson filter) {
        return count(control(), controlCollection, filter);
    }

    /** Documents in each control collection, by name. */
    Map<String, Long> controlCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String collection : CONTROL_COLLECTIONS) {
            counts.put(collection, count(collection, null));
        }
        return counts;
    }

    Document findOne(MongoDatabase database, String collection, Bson filter) {
        return Mono.from(database.getCollection(collection).find(filter).first()).block(TIMEOUT);
    }

    Document findOne(String controlCollection, Bson filter) {
        return findOne(control(), controlCollection, filter);
    }

    List<Document> find(String controlCollection, Bson filter, Bson sort) {
        List<Document> found = Flux.from(control().getCollection(controlCollection).find(filter).sort(sort)).collectList().block(TIMEOUT);
        return found == null ? List.of() : found;
    }

    Document app(String appId) {
        return findOne("apps", Filters.eq("_id", appId));
    }

    BlobContainerClient container(String name) {
        return blobs.getBlobContainerClient(name);
    }

    /** The names of the blobs under {@code prefix}; none when the container does not exist. */
    List<String> blobNames(String containerName, String prefix) {
        BlobContainerClient container = container(containerName);
        if (!container.exists()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(prefix), TIMEOUT)) {
            names.add(item.getName());
        }
        return names;
    }

    String packsContainer() {
        return platform.settings().containers().packs();
    }

    String archiveContainer() {
        return platform.settings().containers().archives();
    }

    String payloadsContainer() {
        return platform.settings().containers().payloads();
    }

    /** The chat's events as its runtime token reads them, oldest first. */
    /** The chat's events; an answer other than 200 fails the test with it, a 503 is waited out as a client would. */
    List<JsonNode> events(String chatId, String token) {
        Response response = send("GET", "/api/chats/" + chatId + "/events?after_seq=0&limit=500", token, null);
        for (int attempt = 0; response.status() == 503 && attempt < 10; attempt++) {
            pause(response.header("Retry-After"));
            response = send("GET", "/api/chats/" + chatId + "/events?after_seq=0&limit=500", token, null);
        }
        if (response.status() != 200) {
            throw new AssertionError("the events of chat " + chatId + ": " + response);
        }
        JsonNode page = response.json();
        List<JsonNode> events = new ArrayList<>();
        page.path("items").forEach(events::add);
        return events;
    }

    /** Waits what a 503's {@code Retry-After} asks, within 1 to 5 seconds. */
    private static void pause(String retryAfter) {
        long seconds = 1;
        try {
            seconds = Math.max(1, Math.min(5, Long.parseLong(String.valueOf(retryAfter).trim())));
        } catch (NumberFormatException ignored) {
            // No or an unreadable Retry-After: a second.
        }
        try {
            Thread.sleep(seconds * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    List<String> types(String chatId, String token) {
        return events(chatId, token).stream().map(event -> event.path("type").asText()).toList();
    }

    /** The manifest files of a platform workflow as a bundle for a workflow named {@code as}. */
    static Map<String, String> workflowFiles(String source, String as) {
        Path folder = ProjectHome.find().resolve("workflows").resolve(source);
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> listing = Files.list(folder)) {
            for (Path file : listing.filter(path -> path.toString().endsWith(".yaml")).toList()) {
                String text = Files.readString(file).replace("workflow_name: " + source, "workflow_name: " + as);
                files.put(as + "/" + file.getFileName(), text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** The signature of an upstream event: HMAC-SHA256 of {@code message} (a connection id) with {@code key}, in hex. */
    static String hmac(String key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(String what, Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + within.toSeconds() + " s: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }
}
