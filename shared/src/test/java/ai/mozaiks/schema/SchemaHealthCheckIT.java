package ai.mozaiks.schema;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.ACME;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.CONTROL_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.SHARED_RUNTIME_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.health.CheckResult;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.tenancy.AppIssuers;
import ai.mozaiks.tenancy.ControlCollections;
import java.time.Duration;
import java.util.Set;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The health report's schema check against the real driver and the embedded server. */
class SchemaHealthCheckIT {
    private static final Set<String> PLATFORM = Set.of(CONTROL_DB, SHARED_RUNTIME_DB);
    private EmbeddedMongoFixture fixture;
    private Schema schema;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        schema = new Schema(fixture.connections().controlDatabase(), fixture.settings().mongo().flavor(), fixture.runtimeSchema(), fixture.router(),
                new AppIssuers(new ControlCollections(fixture.connections().controlDatabase())));
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void failsUntilTheDeployStepHasRunAndNamesNothing() {
        // A control database the deploy step has never seen (the fixture's own is made at start).
        Schema undeployed = new Schema(fixture.rawDatabase("undeployed_control"), fixture.settings().mongo().flavor(), fixture.runtimeSchema(), fixture.router(),
                new AppIssuers(new ControlCollections(fixture.rawDatabase("undeployed_control"))));
        SchemaHealthCheck check = new SchemaHealthCheck(undeployed, Set.of("undeployed_control", SHARED_RUNTIME_DB),
                Duration.ofMinutes(5), Duration.ZERO);

        CheckResult before = await(check.probe());
        assertFalse(before.ok(), before.toString());
        assertTrue((long) before.details().get("collections_missing") >= SchemaCatalog.control().size(), before.toString());
        assertTrue(String.valueOf(before.details().get("error")).contains("PUT /api/admin/schema"), before.toString());
        assertFalse(before.toJson().toString().contains("undeployed_control"), "the public report counts, it names nothing: " + before);

        await(undeployed.ensure());

        // This failure was not kept (kept for no time): the probe right after the deploy step sees it.
        CheckResult after = await(check.probe());
        assertTrue(after.ok(), after.toString());
        assertEquals(0L, after.details().get("collections_missing"));
        assertEquals(0L, after.details().get("indexes_missing"));
    }

    @Test
    void aPassingCheckIsReusedForItsPeriodAndIndexDriftAloneIsCountedNotFailed() {
        await(schema.ensure());
        String someCollection = SchemaCatalog.control().get(0).name();
        SchemaHealthCheck reused = new SchemaHealthCheck(schema, PLATFORM, Duration.ofMinutes(5), Duration.ZERO);
        SchemaHealthCheck fresh = new SchemaHealthCheck(schema, PLATFORM, Duration.ZERO, Duration.ZERO);
        assertTrue(await(reused.probe()).ok());

        await(fixture.rawDatabase(CONTROL_DB).getCollection(someCollection).drop());

        assertTrue(await(reused.probe()).ok(), "within its period the passing answer is reused");
        CheckResult dropped = await(fresh.probe());
        assertFalse(dropped.ok(), dropped.toString());
        assertEquals(1L, dropped.details().get("collections_missing"), dropped.toString());
        assertEquals(0L, dropped.details().get("indexes_missing"), "an absent collection's indexes are not counted twice: " + dropped);

        await(schema.ensure());
        await(fixture.rawDatabase(CONTROL_DB).getCollection(someCollection).createIndex(new Document("undeclared_field", 1)));
        CheckResult extra = await(fresh.probe());
        assertTrue(extra.ok(), extra.toString());
        assertEquals(1L, extra.details().get("indexes_extra"), extra.toString());
    }

    @Test
    void anAppsRoutedDatabaseMissingOrUnreachableIsCountedAndFailsNothingAndAFailureIsReusedForItsPeriod() {
        await(schema.ensure());
        await(fixture.rawDatabase(CONTROL_DB).getCollection(StorageRouter.ROUTES).insertOne(new Document("_id", "app_acme")
                .append("connection", ACME).append("database", "acme_never_provisioned")));
        await(fixture.rawDatabase(CONTROL_DB).getCollection(StorageRouter.ROUTES).insertOne(new Document("_id", "app_gone")
                .append("connection", "MONGODB_CONNECTION_STRING_GONE").append("database", "gone_rt")));
        SchemaHealthCheck check = new SchemaHealthCheck(schema, PLATFORM, Duration.ZERO, Duration.ofMinutes(5));

        CheckResult routed = await(check.probe());
        assertTrue(routed.ok(), routed.toString());
        assertEquals((long) SchemaCatalog.runtime().size(), routed.details().get("app_database_collections_missing"), routed.toString());
        assertEquals(1L, routed.details().get("databases_unreachable"), routed.toString());
        assertEquals(0L, routed.details().get("collections_missing"), routed.toString());

        String someCollection = SchemaCatalog.control().get(0).name();
        await(fixture.rawDatabase(CONTROL_DB).getCollection(someCollection).drop());
        CheckResult failed = await(check.probe());
        assertFalse(failed.ok(), failed.toString());
        await(schema.ensure());
        assertFalse(await(check.probe()).ok(), "a failing answer is reused for its period: a public probe does not list again");
    }
}
