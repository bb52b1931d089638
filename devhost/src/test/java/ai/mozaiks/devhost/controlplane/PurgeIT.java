package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.Settings;
import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import ai.mozaiks.devhost.functions.FunctionHost;
import ai.mozaiks.devhost.functions.HostJson;
import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.functions.PlatformFunctionInjector;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.platform.Platform;
import ai.mozaiks.kernel.AppId;
import com.azure.core.util.BinaryData;
import com.mongodb.client.model.Filters;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * After delete and a grace of zero days, the purge timer removes every document and blob of the
 * app, and nothing of any other app. Runs a platform of its own (APP_PURGE_GRACE_DAYS=0) on its own
 * port, trusting the shared control plane's development IdP.
 */
class PurgeIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static final int SESSIONS = 3;
    /** More than one purge batch (500), so the batching is exercised. */
    private static final int EVENTS = 1_100;

    private static Platform platform;
    private static FunctionHost host;

    @BeforeAll
    static void startPurgingPlatform() throws Exception {
        Map<String, String> settings = new HashMap<>(ControlPlane.baseSettings(cp.idp));
        settings.put("APP_PURGE_GRACE_DAYS", "0");
        platform = Platform.start(Settings.from(settings));
        host = FunctionHost.start(HttpHost.bind("127.0.0.1", 0), FunctionFactory.functionClasses(), new PlatformFunctionInjector(platform),
                Map.copyOf(settings), HostJson.load());
        deleteAndPurge();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (host != null) {
            host.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    private static Response send(String method, String path, User user) {
        return cp.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + path)).timeout(ControlPlane.TIMEOUT)
                .header("Authorization", "Bearer " + user.token()).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    private static void seed(String appId) {
        var db = platform.appDatabases().forApp(AppId.of(appId)).block(ControlPlane.TIMEOUT);
        List<Document> sessions = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            sessions.add(new Document("chat_id", "chat-" + i).append("user_id", "u-" + i).append("workflow_name", "assistant")
                    .append("status", "done").append("updated_at", new Date()));
        }
        db.collection(RuntimeCollection.CHAT_SESSIONS).insertMany(sessions).block(ControlPlane.TIMEOUT);
        List<Document> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            events.add(new Document("chat_id", "chat-" + (i % SESSIONS)).append("seq", i).append("kind", "message").append("text", "hello " + i));
        }
        db.collection(RuntimeCollection.CHAT_EVENTS).insertMany(events).block(ControlPlane.TIMEOUT);
        // A run slot of the app and of its user, as a start takes them.
        Document holder = new Document("c", "chat-0").append("u", "u-0").append("at", new Date());
        reactor.core.publisher.Mono.from(cp.control().getCollection("run_slots").insertMany(List.of(
                new Document("_id", "app:" + appId).append("app_id", appId).append("count", 1).append("holders", List.of(holder)),
                new Document("_id", "user:" + appId + ":u-0").append("app_id", appId).append("user_id", "u-0").append("count", 1)
                        .append("holders", List.of(holder))))).block(ControlPlane.TIMEOUT);
        for (String container : List.of(cp.archiveContainer(), cp.packsContainer(), cp.payloadsContainer())) {
            var client = cp.container(container);
            client.createIfNotExists();
            for (String name : List.of("chat-0.json", "chat-1.json", "nested/deeper/chat-2.json")) {
                client.getBlobClient(appId + "/" + name).upload(BinaryData.fromString("{\"app\":\"" + appId + "\"}"), true);
            }
        }
    }

    private static long runtimeCount(RuntimeCollection collection, String appId) {
        return cp.count(cp.runtime(), collection.collectionName(), Filters.eq("app_id", appId));
    }

    private static int blobCount(String appId) {
        return cp.blobNames(cp.archiveContainer(), appId + "/").size() + cp.blobNames(cp.packsContainer(), appId + "/").size()
                + cp.blobNames(cp.payloadsContainer(), appId + "/").size();
    }

    private static User owner;
    private static String doomed;
    private static String kept;

    /** Two apps with data; one is published to, deleted and purged; the tests check what is left. */
    private static void deleteAndPurge() {
        owner = cp.user("purge-owner");
        String tenant = cp.createTenant(owner);
        doomed = cp.createApp(owner, tenant, "pro");
        kept = cp.createApp(owner, tenant, "pro");
        seed(doomed);
        seed(kept);
        for (String app : List.of(doomed, kept)) {
            expect(201, cp.post("/api/apps/" + app + "/packs", owner, ControlPlane.obj("id", "doomed-pack", "version", "1.0.0",
                    "files", ControlPlane.workflowFiles("assistant", "doomed_wf"))), "publish a pack to " + app);
        }
        assertEquals(SESSIONS, runtimeCount(RuntimeCollection.CHAT_SESSIONS, doomed));
        assertEquals(EVENTS, runtimeCount(RuntimeCollection.CHAT_EVENTS, doomed));
        assertEquals(BLOBS, blobCount(doomed));
        assertEquals(1, cp.count("packs", Filters.eq("app_id", doomed)));
        for (String app : List.of(doomed, kept)) {
            expect(200, cp.put("/api/apps/" + app + "/settings/API_TOKEN", owner, ControlPlane.obj("kind", "secret", "value", "t-" + app)),
                    "a secret setting of " + app);
        }

        Response deleted = send("DELETE", "/api/apps/" + doomed, owner);
        expect(200, deleted, "delete on the purging platform");
        assertEquals("deleted", deleted.json().path("status").asText());
        Duration grace = Duration.between(java.time.Instant.parse(deleted.json().path("deleted_at").asText()),
                java.time.Instant.parse(deleted.json().path("purge_after").asText()));
        assertTrue(!grace.isNegative() && grace.compareTo(Duration.ofSeconds(1)) < 0, "a grace of zero days: " + deleted.body());

        Response fired = cp.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + "/admin/functions/purgeDeletedApps"))
                .timeout(ControlPlane.TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"\"}")).build());
        assertEquals(202, fired.status(), fired.body());
        ControlPlane.await("the purge of " + doomed + " to finish", Duration.ofSeconds(30), () -> {
            Document purge = cp.findOne("purges", Filters.eq("_id", doomed));
            return purge != null && "done".equals(purge.getString("state"));
        });
    }

    /** Seeded blobs (3 in each of the 3 containers) plus the 4 manifest files of the published pack. */
    private static final int BLOBS = 3 + 3 + 3 + 4;

    @Test
    void noDocumentOfThePurgedAppRemains() {
        assertEquals("purged", cp.app(doomed).getString("status"));
        assertEquals(0, runtimeCount(RuntimeCollection.CHAT_SESSIONS, doomed), "chat sessions of the purged app");
        assertEquals(0, runtimeCount(RuntimeCollection.CHAT_EVENTS, doomed), "chat events of the purged app");
        assertEquals(0, cp.count("packs", Filters.eq("app_id", doomed)),
                "the purged app's pack versions (their files are gone from Blob storage) are still recorded in packs");
        assertEquals(0, cp.count("app_settings", Filters.eq("app_id", doomed)), "the purged app's settings, secrets included");
        assertEquals(0, cp.count("run_slots", Filters.eq("app_id", doomed)), "the purged app's run slots");
    }

    @Test
    void noBlobOfThePurgedAppRemains() {
        assertEquals(List.of(), cp.blobNames(cp.archiveContainer(), doomed + "/"), "archive blobs of the purged app");
        assertEquals(List.of(), cp.blobNames(cp.packsContainer(), doomed + "/"), "pack blobs of the purged app");
        assertEquals(List.of(), cp.blobNames(cp.payloadsContainer(), doomed + "/"), "chat payloads of the purged app");
    }

    @Test
    void theOtherAppIsUntouched() {
        assertEquals("active", cp.app(kept).getString("status"));
        assertEquals(SESSIONS, runtimeCount(RuntimeCollection.CHAT_SESSIONS, kept), "chat sessions of the other app");
        assertEquals(EVENTS, runtimeCount(RuntimeCollection.CHAT_EVENTS, kept), "chat events of the other app");
        assertEquals(BLOBS, blobCount(kept), "blobs of the other app");
        assertEquals(1, cp.count("packs", Filters.eq("app_id", kept)), "pack versions of the other app");
        assertEquals(1, cp.count("app_settings", Filters.eq("app_id", kept)), "settings of the other app");
        assertEquals(2, cp.count("run_slots", Filters.eq("app_id", kept)), "run slots of the other app");
        assertNull(cp.findOne("purges", Filters.eq("_id", kept)), "the other app has no purge record");
        assertEquals(List.of(), platform.scopeGuard().violations(), "every runtime command of the purge was scoped to its app");
    }

    @Test
    void aPurgedAppCanNoLongerBeRestoredOrSeen() {
        expect(404, send("POST", "/api/apps/" + doomed + "/restore", owner), "restore after the purge");
        expect(404, cp.post("/api/apps/" + doomed + "/restore", owner, null), "restore on the main platform");
        expect(404, send("GET", "/api/apps/" + doomed, owner), "read after the purge");
        String tenant = cp.app(doomed).getString("tenant_id");
        assertTrue(cp.get("/api/tenants/" + tenant + "/apps?status=deleted", owner).json().path("items").isEmpty(),
                "not listed as deleted any more");
        assertEquals("purged", cp.app(doomed).getString("status"), "still purged");
    }

    @Test
    void aPurgedAppIsNotListedAmongTheTenantsApps() {
        String tenant = cp.app(doomed).getString("tenant_id");
        List<String> listed = new ArrayList<>();
        cp.get("/api/tenants/" + tenant + "/apps", owner).json().path("items").forEach(item -> listed.add(item.path("id").asText()
                + " (" + item.path("status").asText() + ")"));
        assertEquals(List.of(kept + " (active)"), listed, "the tenant's apps after one was purged");
    }

    @Test
    void thePurgeRecordCountsWhatWasRemoved() {
        Document purge = cp.findOne("purges", Filters.eq("_id", doomed));
        Document removed = purge.get("removed", Document.class);
        assertNotNull(removed, "the purge record counts what it removed: " + purge.toJson());
        assertEquals(SESSIONS, ((Number) removed.get("chat_sessions")).longValue(), purge.toJson());
        assertEquals(EVENTS, ((Number) removed.get("chat_events")).longValue(), purge.toJson());
        assertEquals(3, ((Number) removed.get("blobs:" + cp.archiveContainer())).longValue(), purge.toJson());
        assertEquals(3 + 4, ((Number) removed.get("blobs:" + cp.packsContainer())).longValue(), purge.toJson());
        assertEquals(3, ((Number) removed.get("blobs:" + cp.payloadsContainer())).longValue(), purge.toJson());
        assertNotNull(purge.getDate("started_at"), purge.toJson());
        assertNotNull(purge.getDate("finished_at"), purge.toJson());
        assertTrue(!purge.getDate("finished_at").before(purge.getDate("started_at")), purge.toJson());
    }
}
