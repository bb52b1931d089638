package ai.mozaiks.packs;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.WorkflowLoadResult;
import ai.mozaiks.workflows.WorkflowLoader;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** A chat runs at most its app's tier's max_turns, even when a stored pack asks for more. */
class TierTurnsIT {
    private EmbeddedMongoFixture fixture;
    private MongoCollection<Document> apps;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        apps = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection("apps");
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private static Workflow withTurns(int turns) {
        WorkflowLoadResult result = new WorkflowLoader().load("long_run", Map.of(
                "orchestrator.yaml", ("max_turns: " + turns + "\n").getBytes(StandardCharsets.UTF_8),
                "agents.yaml", "agents:\n- name: Writer\n  system_message: You write.\n".getBytes(StandardCharsets.UTF_8)));
        return result.workflow().orElseThrow();
    }

    private int turnsOf(String appId, Workflow stored) {
        ChatWorkflows capped = new TierTurns((app, name, ref) -> Mono.just(Optional.of(new ChatWorkflows.Pinned(stored, "app:pack:1.0.0"))),
                new CachedAppStates(apps, CachedAppStates.TTL, fixture.clock()), Tiers.load());
        ChatWorkflows.Pinned pinned = await(capped.find(AppId.of(appId), "long_run", "app:pack:1.0.0")).orElseThrow();
        assertEquals("app:pack:1.0.0", pinned.ref(), "the pin is kept");
        return pinned.workflow().orchestrator().maxTurns();
    }

    @Test
    void clampsAStoredWorkflowToItsAppsTier() {
        await(apps.insertOne(new Document("_id", "free-app").append("tier", "free")));
        await(apps.insertOne(new Document("_id", "big-app").append("tier", "enterprise")));

        assertEquals(50, turnsOf("free-app", withTurns(10_000)));
        assertEquals(500, turnsOf("big-app", withTurns(10_000)));
        assertEquals(80, turnsOf("big-app", withTurns(80)), "within the cap, the manifest decides");
        assertEquals(50, turnsOf("gone-app", withTurns(10_000)), "an app not found gets the lowest tier's cap");
    }

    @Test
    void leavesAMissingWorkflowMissing() {
        ChatWorkflows capped = new TierTurns((app, name, ref) -> Mono.just(Optional.empty()),
                new CachedAppStates(apps, CachedAppStates.TTL, fixture.clock()), Tiers.load());
        assertEquals(Optional.empty(), await(capped.find(AppId.of("free-app"), "nothing", null)));
    }
}
