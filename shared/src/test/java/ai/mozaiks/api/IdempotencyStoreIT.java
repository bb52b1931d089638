package ai.mozaiks.api;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.persistence.EmbeddedMongoFixture;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IdempotencyStoreIT {
    private static final Duration LEASE = Duration.ofSeconds(20);
    private static final IdempotencyStore.StoredResponse CREATED = new IdempotencyStore.StoredResponse(201, "application/json",
            "{\"id\":\"t1\"}", "/api/tenants/t1");

    private EmbeddedMongoFixture fixture;
    private IdempotencyStore store;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        store = new IdempotencyStore(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB), fixture.clock(), LEASE);
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void aRetryGetsTheKeptResponseAndAnotherBodyIsRefused() {
        IdempotencyStore.Claim first = await(store.claim("ann|POST|/api/tenants", "k-1", "{\"name\":\"a\"}"));
        assertTrue(first.fresh());
        await(store.complete(first, CREATED));

        assertEquals(CREATED, await(store.claim("ann|POST|/api/tenants", "k-1", "{\"name\":\"a\"}")).replay());
        ApiException other = assertThrows(ApiException.class, () -> await(store.claim("ann|POST|/api/tenants", "k-1", "{\"name\":\"b\"}")));
        assertEquals(422, other.problem().status());
        assertTrue(await(store.claim("bob|POST|/api/tenants", "k-1", "{\"name\":\"a\"}")).fresh(), "keys are per caller");
    }

    @Test
    void aRequestThatDiedHoldsItsKeyOnlyUntilItsLeaseEnds() {
        IdempotencyStore.Claim died = await(store.claim("ann|POST|/api/apps", "k-2", "{}"));

        ApiException waiting = assertThrows(ApiException.class, () -> await(store.claim("ann|POST|/api/apps", "k-2", "{}")));
        assertEquals(409, waiting.problem().status());
        assertEquals("idempotency_in_progress", waiting.problem().code());
        assertEquals("20", waiting.headers().get("Retry-After"));

        fixture.clock().advance(LEASE.plusSeconds(1));
        IdempotencyStore.Claim retry = await(store.claim("ann|POST|/api/apps", "k-2", "{}"));
        assertTrue(retry.fresh(), "the retry runs the request again");
        assertNotEquals(died.holder(), retry.holder());
        ApiException second = assertThrows(ApiException.class, () -> await(store.claim("ann|POST|/api/apps", "k-2", "{}")),
                "only one retry takes it over");
        assertEquals("idempotency_in_progress", second.problem().code());

        // The dead request's late answer is not kept; the retry's is.
        await(store.complete(died, new IdempotencyStore.StoredResponse(500, null, null, null)));
        await(store.release(died));
        await(store.complete(retry, CREATED));
        assertEquals(CREATED, await(store.claim("ann|POST|/api/apps", "k-2", "{}")).replay());
    }
}
