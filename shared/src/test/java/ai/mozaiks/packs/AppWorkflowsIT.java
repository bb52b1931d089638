package ai.mozaiks.packs;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.tenancy.WorkflowEntry;
import ai.mozaiks.workflows.WorkflowCatalog;
import ai.mozaiks.workflows.WorkflowLoadResult;
import ai.mozaiks.workflows.WorkflowLoader;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one rule a workflow name resolves by, for a start and a chat's first step alike: the first enabled entry (the
 * platform's, then the app's packs by id, each in its pinned or newest ready version); a disabled pack never hides an
 * enabled one.
 */
class AppWorkflowsIT {
    private static final AppId APP = AppId.of("app-1");

    private EmbeddedMongoFixture fixture;
    private MongoCollection<Document> packs;
    private AppWorkflows workflows;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        packs = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(PackService.COLLECTION);
        WorkflowLoadResult assistant = new WorkflowLoader().load("assistant", Map.of(
                "orchestrator.yaml", "max_turns: 5\n".getBytes(StandardCharsets.UTF_8),
                "agents.yaml", "agents:\n- name: Assistant\n  system_message: You help.\n".getBytes(StandardCharsets.UTF_8)));
        assertTrue(assistant.workflow().isPresent(), assistant.report().errorMessages().toString());
        WorkflowCatalog platform = WorkflowCatalog.of(List.of(assistant));
        workflows = new AppWorkflows(platform, packs);
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private void published(String packId, String version, String state, int minute, String... names) {
        await(packs.insertOne(new Document("_id", APP.value() + ":" + packId + ":" + version).append("app_id", APP.value())
                .append("pack_id", packId).append("version", version).append("workflows", List.of(names)).append("state", state)
                .append("created_at", Date.from(Instant.parse("2026-12-01T10:00:00Z").plusSeconds(60L * minute)))));
    }

    private Optional<WorkflowEntry> find(Document states, String name) {
        return await(workflows.find(APP, states, name));
    }

    private static Document states(Object... packIdsAndStates) {
        Document states = new Document();
        for (int i = 0; i < packIdsAndStates.length; i += 2) {
            states.append((String) packIdsAndStates[i], packIdsAndStates[i + 1]);
        }
        return states;
    }

    private static Document on(String version) {
        Document state = new Document("enabled", true);
        return version == null ? state : state.append("version", version).append(AppWorkflows.PINNED, true);
    }

    private static final Document OFF = new Document("enabled", false);

    @Test
    void theFirstEnabledPackOfANameWinsAndNoneEnabledNamesTheFirst() {
        published("alpha", "1.0.0", PackService.READY, 1, "concierge");
        published("beta", "1.0.0", PackService.READY, 2, "concierge");

        assertEquals("beta", find(states("alpha", OFF, "beta", on(null)), "concierge").orElseThrow().packId(), "a disabled pack does not hide");
        assertEquals("alpha", find(states("alpha", on(null), "beta", on(null)), "concierge").orElseThrow().packId(), "by pack id");
        WorkflowEntry none = find(null, "concierge").orElseThrow();
        assertEquals("alpha", none.packId(), "never enabled: the first is named");
        assertFalse(none.enabled());
        assertEquals(Optional.empty(), find(null, "nobody"));
    }

    @Test
    void aPackRunsItsPinnedVersionOrItsNewestReadyOne() {
        published("alpha", "1.0.0", PackService.READY, 1, "concierge");
        published("alpha", "2.0.0", PackService.READY, 2, "concierge", "greeter");
        published("alpha", "3.0.0", "uploading", 3, "concierge");

        WorkflowEntry newest = find(states("alpha", on(null)), "concierge").orElseThrow();
        assertEquals("2.0.0", newest.packVersion(), "the newest ready version");
        assertEquals("app-1:alpha:2.0.0", newest.ref());
        WorkflowEntry pinned = find(states("alpha", on("1.0.0")), "concierge").orElseThrow();
        assertEquals("app-1:alpha:1.0.0", pinned.ref());
        assertTrue(pinned.enabled());
        assertFalse(find(states("alpha", on("1.0.0")), "greeter").isPresent(), "only the pinned version's workflows");
        WorkflowEntry gone = find(states("alpha", on("0.9.0")), "concierge").orElseThrow();
        assertFalse(gone.enabled(), "a pinned version no longer ready runs nothing");
        // A state written before pinning meant anything names a version without pinning it: the newest runs.
        WorkflowEntry legacy = find(states("alpha", new Document("enabled", true).append("version", "1.0.0")), "concierge").orElseThrow();
        assertEquals("2.0.0", legacy.packVersion());
        assertTrue(legacy.enabled());
    }

    @Test
    void aPlatformWorkflowWinsUnlessItsPackIsTurnedOffForTheApp() {
        published("mine", "1.0.0", PackService.READY, 1, "assistant");

        WorkflowEntry platform = find(states("mine", on(null)), "assistant").orElseThrow();
        assertEquals(WorkflowEntry.Source.PLATFORM, platform.source());
        assertEquals(WorkflowEntry.PLATFORM_REF, platform.ref());
        WorkflowEntry own = find(states("assistant", OFF, "mine", on(null)), "assistant").orElseThrow();
        assertEquals(WorkflowEntry.Source.APP, own.source(), "the platform pack off: the app's own runs");
        assertEquals("app-1:mine:1.0.0", own.ref());
    }
}
