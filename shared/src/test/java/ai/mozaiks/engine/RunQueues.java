package ai.mozaiks.engine;

import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.tenancy.AppLimits;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.Tiers;
import org.bson.Document;
import reactor.core.publisher.Mono;

/** Run queues for tests that are not about limits: real slots in the fixture's control database, the enterprise tier's limits. */
public final class RunQueues {
    private RunQueues() {
    }

    /** Slots of their own (20 runs per user, 500 per app). */
    public static RunQueue roomy(EmbeddedMongoFixture fixture, StepQueue queue) {
        return roomy(fixture, new RunSlots(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB).getCollection(RunSlots.COLLECTION),
                fixture.clock()), queue);
    }

    /** The given slots, shared with what else the test builds on them. */
    public static RunQueue roomy(EmbeddedMongoFixture fixture, RunSlots slots, StepQueue queue) {
        AppLimits enterprise = AppLimits.of(new Document(), Tiers.load().get("enterprise"));
        return new RunQueue(fixture.appDatabases(), slots, appId -> Mono.just(enterprise), queue, fixture.clock());
    }
}
