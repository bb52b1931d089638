package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * The databases' deploy step as Functions serve it: the devhost ran it at start, so running it again creates nothing;
 * and moving an app to a new database makes that database's collections and indexes when the move starts, before any
 * data is copied there.
 */
class SchemaDeployIT {
    private static final ControlPlane cp = ControlPlane.get();

    @Test
    void theDeployStepRunAgainCreatesNothingAndACheckReportsNoMissingIndex() {
        JsonNode ensured = expect(200, cp.put("/api/admin/schema", cp.platformAdmin(), null), "ensure").json();
        assertEquals(0, ensured.path("changes").size(), ensured.toString());

        JsonNode checked = expect(200, cp.get("/api/admin/schema", cp.platformAdmin()), "check").json();
        assertEquals(0, checked.path("changes").size(), checked.toString());
        for (JsonNode entry : checked.path("drift")) {
            assertTrue(!"missing".equals(entry.path("outcome").asText()) && !"different".equals(entry.path("outcome").asText()),
                    "after the step nothing declared is missing or different: " + checked);
        }
    }

    @Test
    void aMoveMakesTheTargetsRuntimeCollectionsWhenItStarts() {
        User owner = cp.user("schema-mover");
        String tenant = expect(201, cp.post("/api/tenants", owner, obj("name", ControlPlane.unique("schema-tenant"))), "tenant")
                .json().path("id").asText();
        String app = cp.createApp(owner, tenant, "enterprise");
        String database = ControlPlane.unique("schema_moved").replace('.', '_').replace('-', '_');

        expect(202, cp.put("/api/admin/apps/" + app + "/storage", cp.platformAdmin(),
                obj("connection", "MONGODB_CONNECTION_STRING", "database", database)), "move");

        Map<String, Document> indexes = Flux.from(cp.database(database).getCollection("chat_sessions").listIndexes())
                .collectList().block(ControlPlane.TIMEOUT).stream().collect(Collectors.toMap(index -> index.getString("name"), index -> index));
        assertTrue(indexes.containsKey("app_chat") && indexes.get("app_chat").getBoolean("unique"), indexes.keySet().toString());
        List<String> collections = Flux.from(cp.database(database).listCollectionNames()).collectList().block(ControlPlane.TIMEOUT);
        assertTrue(collections.containsAll(List.of("chat_sessions", "chat_events", "tool_results", "step_replies", "usage_minutes",
                "pack_runs")), collections.toString());
        // The suite runs as on Cosmos RU: each was made by CreateCollection, sharded on app_id.
        for (String collection : List.of("chat_sessions", "chat_events", "step_replies")) {
            Document described = Flux.from(cp.database(database).runCommand(new Document("customAction", "GetCollection")
                    .append("collection", collection))).blockFirst(ControlPlane.TIMEOUT);
            assertEquals(new Document("app_id", "hashed"), described.get("shardKeyDefinition"), collection + ": " + described.toJson());
        }
    }
}
