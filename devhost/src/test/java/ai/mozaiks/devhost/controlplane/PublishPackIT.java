package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Publishing an app's own workflow pack: validated, versioned, stored in Blob and listed; then turned on and off. */
class PublishPackIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static User owner;
    private static String tenant;

    @BeforeAll
    static void tenant() {
        owner = cp.user("pack-owner");
        tenant = cp.createTenant(owner);
    }


    private static JsonNode workflow(String appId, String name) {
        Response list = expect(200, cp.get("/api/apps/" + appId + "/workflows", owner), "list workflows");
        for (JsonNode item : list.json().path("items")) {
            if (name.equals(item.path("name").asText())) {
                return item;
            }
        }
        return null;
    }

    private static String blobText(String name) {
        return cp.container(cp.packsContainer()).getBlobClient(name).downloadContent().toString();
    }

    @Test
    void publishedPackIsStoredListedAndSwitchedOnAndOff() {
        String app = cp.createApp(owner, tenant, "pro");
        Map<String, String> files = ControlPlane.workflowFiles("assistant", "helper_bot");
        assertEquals(4, files.size(), "the assistant workflow's manifests: " + files.keySet());

        Response published = cp.post("/api/apps/" + app + "/packs", owner, obj("id", "helpers", "version", "1.0.0", "files", files));
        expect(201, published, "publish");
        assertNull(published.header("Location"), "no Location: a pack version has no GET");
        assertEquals("helpers", published.json().path("id").asText());
        assertEquals("1.0.0", published.json().path("version").asText());
        assertEquals("[\"helper_bot\"]", published.json().path("workflows").toString());
        assertEquals("[]", published.json().path("warnings").toString(), "nothing to warn of");

        String prefix = app + "/helpers/1.0.0/";
        List<String> stored = cp.blobNames(cp.packsContainer(), prefix);
        assertEquals(files.keySet().stream().map(path -> prefix + path).sorted().toList(), stored.stream().sorted().toList());
        files.forEach((path, text) -> assertEquals(text, blobText(prefix + path), "blob " + prefix + path));
        assertEquals(1, cp.count("packs", Filters.eq("app_id", app)), "one pack version recorded");

        JsonNode listed = workflow(app, "helper_bot");
        assertNotNull(listed, "the published workflow is listed");
        assertEquals("app", listed.path("source").asText());
        assertEquals("helpers", listed.path("pack").asText());
        assertEquals("1.0.0", listed.path("pack_version").asText());
        assertFalse(listed.path("available").asBoolean(), "an app pack is off until enabled: " + listed);
        assertEquals("pack_disabled", listed.path("reason").asText());

        Response enabled = expect(200, cp.put("/api/apps/" + app + "/packs/helpers", owner, obj("enabled", true)), "enable");
        assertEquals("1.0.0", enabled.json().path("version").asText());
        JsonNode on = workflow(app, "helper_bot");
        assertTrue(on.path("available").asBoolean(), "enabled: " + on);
        assertTrue(on.path("reason").isMissingNode() || on.path("reason").isNull(), "no reason when available: " + on);

        expect(200, cp.put("/api/apps/" + app + "/packs/helpers", owner, obj("enabled", false)), "disable");
        JsonNode off = workflow(app, "helper_bot");
        assertFalse(off.path("available").asBoolean(), "disabled: " + off);
        assertEquals("pack_disabled", off.path("reason").asText());
        // The platform workflows are untouched by the app's pack.
        assertTrue(workflow(app, "assistant").path("available").asBoolean());
    }

    @Test
    void aChatOfAPublishedPackRunsTheVersionItStartedWith() {
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        expect(201, cp.post("/api/apps/" + app + "/packs", owner,
                obj("id", "concierge", "version", "1.0.0", "files", ControlPlane.workflowFiles("assistant", "concierge"))), "publish 1.0.0");
        expect(200, cp.put("/api/apps/" + app + "/packs/concierge", owner, obj("enabled", true)), "enable");
        ChatHandle first = ChatHandle.start(app, "concierge");
        assertEquals("Assistant", first.answer("m-1", "Where is the harbour?"));

        // 2.0.0 renames the agent: chats started before keep 1.0.0, new chats get 2.0.0.
        Map<String, String> renamed = new TreeMap<>();
        ControlPlane.workflowFiles("assistant", "concierge").forEach((path, text) -> renamed.put(path, text.replace("Assistant", "Concierge")));
        expect(201, cp.post("/api/apps/" + app + "/packs", owner, obj("id", "concierge", "version", "2.0.0", "files", renamed)),
                "publish 2.0.0");

        assertEquals("Assistant", first.answer("m-2", "And the lighthouse?"));
        assertEquals("Concierge", ChatHandle.start(app, "concierge").answer("m-1", "Where is the harbour?"));
    }

    @Test
    void aWorkflowNameRunsFromAnEnabledPackInItsPinnedVersionAndADisabledPackNeverHidesIt() {
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        // Two packs hold a workflow "concierge": alpha's agent is Assistant, beta's (published later) Impostor.
        expect(201, cp.post("/api/apps/" + app + "/packs", owner,
                obj("id", "alpha", "version", "1.0.0", "files", ControlPlane.workflowFiles("assistant", "concierge"))), "publish alpha");
        expect(201, cp.post("/api/apps/" + app + "/packs", owner,
                obj("id", "beta", "version", "1.0.0", "files", agentNamed("concierge", "Impostor"))), "publish beta");

        // Only alpha is enabled: its version runs, never the newer one of a pack the admin did not turn on.
        Response enabled = expect(200, cp.put("/api/apps/" + app + "/packs/alpha", owner, obj("enabled", true)), "enable alpha");
        assertFalse(enabled.json().path("pinned").asBoolean(), "no version asked: the pack follows its newest");
        assertEquals("Assistant", ChatHandle.start(app, "concierge").answer("m-1", "Where is the harbour?"));

        // alpha off, beta on: the disabled pack (first by id) does not hide the enabled one.
        expect(200, cp.put("/api/apps/" + app + "/packs/alpha", owner, obj("enabled", false)), "disable alpha");
        expect(200, cp.put("/api/apps/" + app + "/packs/beta", owner, obj("enabled", true)), "enable beta");
        assertEquals("Impostor", ChatHandle.start(app, "concierge").answer("m-1", "Where is the harbour?"));

        // Neither on: refused, naming the first pack that holds the name.
        expect(200, cp.put("/api/apps/" + app + "/packs/beta", owner, obj("enabled", false)), "disable beta");
        Response refused = expect(403, cp.post("/api/sessions", owner, obj("app_id", app, "workflow_name", "concierge")), "start");
        assertEquals("pack_disabled", refused.code());
        assertTrue(refused.json().path("detail").asText().contains("alpha"), refused.body());

        // A pinned version runs until another is pinned, even once a newer one is published.
        Response pinned = expect(200, cp.put("/api/apps/" + app + "/packs/alpha", owner, obj("enabled", true, "version", "1.0.0")), "pin 1.0.0");
        assertTrue(pinned.json().path("pinned").asBoolean());
        expect(201, cp.post("/api/apps/" + app + "/packs", owner,
                obj("id", "alpha", "version", "2.0.0", "files", agentNamed("concierge", "Concierge"))), "publish alpha 2.0.0");
        assertEquals("1.0.0", workflow(app, "concierge").path("pack_version").asText(), "the pinned version is listed");
        assertEquals("Assistant", ChatHandle.start(app, "concierge").answer("m-1", "Where is the harbour?"));
        expect(200, cp.put("/api/apps/" + app + "/packs/alpha", owner, obj("enabled", true)), "follow the newest");
        assertEquals("Concierge", ChatHandle.start(app, "concierge").answer("m-1", "Where is the harbour?"));
    }

    /** The assistant workflow's files as workflow {@code name}, its agent renamed {@code agent}. */
    private static Map<String, String> agentNamed(String name, String agent) {
        Map<String, String> renamed = new TreeMap<>();
        ControlPlane.workflowFiles("assistant", name).forEach((path, text) -> renamed.put(path, text.replace("Assistant", agent)));
        return renamed;
    }

    /** A chat driven over the HTTP API with its runtime token: each message waits for the agent's answer. */
    private record ChatHandle(String chatId, String token) {
        static ChatHandle start(String app, String workflow) {
            JsonNode grant = expect(201, cp.post("/api/sessions", owner, obj("app_id", app, "workflow_name", workflow)), "start").json();
            return new ChatHandle(grant.path("chat_id").asText(), grant.path("runtime_token").asText());
        }

        /** Sends a message and answers the name of the agent whose text follows it. */
        String answer(String messageId, String text) {
            long seq = expect(202, cp.send("POST", "/api/chats/" + chatId + "/messages", token,
                    ControlPlane.json(obj("client_message_id", messageId, "text", text))), "message").json().path("seq").asLong();
            String[] agent = {null};
            ControlPlane.await("the answer to " + messageId, java.time.Duration.ofSeconds(20), () -> {
                JsonNode page = cp.send("GET", "/api/chats/" + chatId + "/events?after_seq=" + seq, token, null).json();
                for (JsonNode event : page.path("items")) {
                    if (event.path("type").asText().equals("chat.text")) {
                        agent[0] = event.path("data").path("agent").asText();
                        return true;
                    }
                }
                return false;
            });
            return agent[0];
        }
    }

    @Test
    void aVersionNeverChanges() {
        String app = cp.createApp(owner, tenant, "pro");
        Map<String, String> files = ControlPlane.workflowFiles("assistant", "steady");
        expect(201, cp.post("/api/apps/" + app + "/packs", owner, obj("id", "steady", "version", "2.0.0", "files", files)), "publish");
        String prefix = app + "/steady/2.0.0/";
        Map<String, String> before = new TreeMap<>();
        cp.blobNames(cp.packsContainer(), prefix).forEach(name -> before.put(name, blobText(name)));

        // The same content again is the same version: answered as published, nothing new stored.
        expect(201, cp.post("/api/apps/" + app + "/packs", owner, obj("id", "steady", "version", "2.0.0", "files", files)), "republish same");

        Map<String, String> changed = new TreeMap<>(files);
        changed.compute("steady/agents.yaml", (path, text) -> text.replace("concise and friendly", "terse"));
        Response conflict = cp.post("/api/apps/" + app + "/packs", owner, obj("id", "steady", "version", "2.0.0", "files", changed));
        expect(409, conflict, "republish other content");
        assertEquals("pack_version_exists", conflict.code());

        Map<String, String> after = new TreeMap<>();
        cp.blobNames(cp.packsContainer(), prefix).forEach(name -> after.put(name, blobText(name)));
        assertEquals(before, after, "the stored files of the version are unchanged");
        assertEquals(1, cp.count("packs", Filters.eq("app_id", app)));
        assertEquals(1, cp.count("audit", Filters.and(Filters.eq("app_id", app), Filters.eq("action", "pack.publish"))),
                "one publish recorded");

        // A new version with the changed content is fine.
        expect(201, cp.post("/api/apps/" + app + "/packs", owner, obj("id", "steady", "version", "2.0.1", "files", changed)), "new version");
        assertEquals("2.0.1", workflow(app, "steady").path("pack_version").asText(), "the newest version is listed");
    }

    @Test
    void concurrentPublishesOfOneVersionWithDifferentContentStoreExactlyOne() throws Exception {
        String app = cp.createApp(owner, tenant, "pro");
        Map<String, String> first = ControlPlane.workflowFiles("assistant", "racer");
        Map<String, String> second = new TreeMap<>(first);
        second.compute("racer/agents.yaml", (path, text) -> text.replace("concise and friendly", "second"));
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (Map<String, String> files : List.of(first, second)) {
                Callable<Response> publish = () -> {
                    start.await();
                    return cp.post("/api/apps/" + app + "/packs", owner, obj("id", "race", "version", "1.0.0", "files", files));
                };
                answers.add(pool.submit(publish));
            }
            start.countDown();
            Response a = answers.get(0).get();
            Response b = answers.get(1).get();
            // Which content the platform recorded: publishing it again is answered as already published.
            String recorded = cp.post("/api/apps/" + app + "/packs", owner,
                    obj("id", "race", "version", "1.0.0", "files", first)).status() == 201 ? "first" : "second";
            String agents = blobText(app + "/race/1.0.0/racer/agents.yaml");
            String stored = agents.equals(first.get("racer/agents.yaml")) ? "first"
                    : agents.equals(second.get("racer/agents.yaml")) ? "second" : "neither";
            assertAll("two concurrent publishes of version 1.0.0 with different content: " + a + " / " + b,
                    () -> assertEquals(List.of(201, 409), Stream.of(a, b).map(Response::status).sorted().toList(),
                            "one publish wins, the other is told the version exists"),
                    () -> assertEquals(1, cp.count("audit", Filters.and(Filters.eq("app_id", app), Filters.eq("action", "pack.publish"))),
                            "one publish recorded in the audit log"),
                    () -> assertEquals(recorded, stored, "the stored agents.yaml is the content of the publish whose version was recorded"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void brokenManifestIsRefusedNamingFileAndPathAndStoresNothing() {
        String app = cp.createApp(owner, tenant, "pro");
        Map<String, String> files = ControlPlane.workflowFiles("assistant", "broken_wf");
        files.compute("broken_wf/handoffs.yaml", (path, text) -> text.replace("source_agent: Assistant", "source_agent: Nobody"));
        Response refused = cp.post("/api/apps/" + app + "/packs", owner, obj("id", "broken", "version", "1.0.0", "files", files));

        expect(400, refused, "broken manifest");
        assertEquals("validation_failed", refused.code());
        assertTrue(refused.errorFields().contains("files.broken_wf/handoffs.yaml"), "names the file: " + refused.body());
        String message = refused.errorMessage("files.broken_wf/handoffs.yaml");
        assertTrue(message.startsWith("handoff_rules[0].source_agent"), "names the path in the file: " + message);
        assertTrue(message.contains("Nobody"), "names the bad value: " + message);
        assertEquals(List.of(), cp.blobNames(cp.packsContainer(), app + "/"), "no file stored");
        assertEquals(0, cp.count("packs", Filters.eq("app_id", app)), "no version recorded");
        assertNull(workflow(app, "broken_wf"), "not listed");
    }

    @Test
    void contentTheValidatorAcceptsButDoesNotUseIsAnsweredAsWarnings() {
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        Map<String, String> files = ControlPlane.workflowFiles("assistant", "warned_wf");
        files.compute("warned_wf/orchestrator.yaml", (path, text) -> text + "\nmystery_setting: 1\n");

        Response published = expect(201, cp.post("/api/apps/" + app + "/packs", owner, obj("id", "warned", "version", "1.0.0", "files", files)),
                "publish with an unknown key");
        JsonNode warnings = published.json().path("warnings");
        assertEquals(1, warnings.size(), "one warning: " + warnings);
        assertEquals("files.warned_wf/orchestrator.yaml", warnings.path(0).path("field").asText());
        assertTrue(warnings.path(0).path("message").asText().contains("mystery_setting"), "names the key: " + warnings);
        // Published again (the same content), the version answers the same warnings.
        assertEquals(warnings, expect(201, cp.post("/api/apps/" + app + "/packs", owner,
                obj("id", "warned", "version", "1.0.0", "files", files)), "publish again").json().path("warnings"));

        // Refused for an error, the problem says the warnings too.
        files.compute("warned_wf/handoffs.yaml", (path, text) -> text.replace("source_agent: Assistant", "source_agent: Nobody"));
        Response refused = expect(400, cp.post("/api/apps/" + app + "/packs", owner, obj("id", "warned", "version", "2.0.0", "files", files)),
                "refused");
        assertEquals("validation_failed", refused.code());
        JsonNode problem = refused.json();
        assertEquals("files.warned_wf/orchestrator.yaml", problem.path("warnings").path(0).path("field").asText(), refused.body());
    }

    @Test
    void aPackIsCheckedWithoutBeingPublished() {
        String app = cp.createApp(owner, cp.createTenant(owner), "pro");
        Map<String, String> files = ControlPlane.workflowFiles("assistant", "checked_wf");
        files.compute("checked_wf/orchestrator.yaml", (path, text) -> text + "\nmystery_setting: 1\n");

        Response checked = expect(200, cp.post("/api/apps/" + app + "/packs/check", owner,
                obj("id", "checked", "version", "1.0.0", "files", files)), "check");
        assertEquals("[\"checked_wf\"]", checked.json().path("workflows").toString());
        assertEquals("files.checked_wf/orchestrator.yaml", checked.json().path("warnings").path(0).path("field").asText(), checked.body());
        assertEquals(List.of(), cp.blobNames(cp.packsContainer(), app + "/"), "no file stored");
        assertEquals(0, cp.count("packs", Filters.eq("app_id", app)), "no version recorded");
        assertNull(workflow(app, "checked_wf"), "not listed");

        files.compute("checked_wf/handoffs.yaml", (path, text) -> text.replace("source_agent: Assistant", "source_agent: Nobody"));
        Response refused = expect(400, cp.post("/api/apps/" + app + "/packs/check", owner,
                obj("id", "checked", "version", "1.0.0", "files", files)), "check a broken pack");
        assertEquals("validation_failed", refused.code());
        assertTrue(refused.errorFields().contains("files.checked_wf/handoffs.yaml"), refused.body());
        // Checked, then published: the check held the version to nothing.
        files.compute("checked_wf/handoffs.yaml", (path, text) -> text.replace("source_agent: Nobody", "source_agent: Assistant"));
        expect(201, cp.post("/api/apps/" + app + "/packs", owner, obj("id", "checked", "version", "1.0.0", "files", files)), "publish");
        User builder = cp.user("pack-checker-builder");
        expect(404, cp.post("/api/apps/" + app + "/packs/check", builder, obj("id", "checked", "version", "1.0.1", "files", files)),
                "a non-member learns nothing");
    }

    @Test
    void platformPackIdsAndWorkflowNamesAreReserved() {
        String app = cp.createApp(owner, tenant, "pro");
        Response packId = cp.post("/api/apps/" + app + "/packs", owner,
                obj("id", "assistant", "version", "1.0.0", "files", ControlPlane.workflowFiles("assistant", "my_assistant")));
        expect(409, packId, "pack id of a platform pack");
        assertEquals("pack_id_reserved", packId.code());

        Response workflowName = cp.post("/api/apps/" + app + "/packs", owner,
                obj("id", "mine", "version", "1.0.0", "files", ControlPlane.workflowFiles("assistant", "assistant")));
        expect(400, workflowName, "workflow name of a platform workflow");
        assertTrue(workflowName.errorFields().contains("files.assistant"), workflowName.body());

        assertEquals(List.of(), cp.blobNames(cp.packsContainer(), app + "/"), "no file stored");
        assertEquals(0, cp.count("packs", Filters.eq("app_id", app)), "no version recorded");
    }
}
