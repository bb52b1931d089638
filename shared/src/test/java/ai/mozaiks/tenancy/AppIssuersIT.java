package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.identity.TrustedIssuer;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** End-user issuers are found by (issuer, audience), which belongs to one app. */
class AppIssuersIT {
    private static final String ISSUER = "https://login.example/tenant-1";

    private EmbeddedMongoFixture fixture;
    private ControlCollections collections;
    private AppIssuers issuers;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        collections = new ControlCollections(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB));
        await(collections.ensureIndexes());
        issuers = new AppIssuers(collections);
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private static Document app(String id, String audience, String status) {
        return new Document("_id", id).append("status", status).append("end_user_idp",
                new Document("issuer", ISSUER).append("audience", audience).append("jwks_url", "https://login.example/keys"));
    }

    private Optional<TrustedIssuer> find(String... audiences) {
        return await(issuers.find(ISSUER, List.of(audiences)));
    }

    @Test
    void anIssuerServesEachAppOnlyWithThatAppsAudience() {
        await(collections.apps().insertMany(List.of(app("app_a", "aud-a", AppService.ACTIVE), app("app_b", "aud-b", AppService.SUSPENDED),
                app("app_gone", "aud-gone", AppService.DELETED))));

        assertEquals(AppId.of("app_a"), find("aud-a").orElseThrow().appId());
        assertEquals("aud-a", find("aud-a").orElseThrow().audience());
        assertEquals(AppId.of("app_b"), find("other", "aud-b").orElseThrow().appId());
        assertTrue(find("aud-c").isEmpty(), "an audience no app registered");
        assertTrue(find().isEmpty(), "no audience");
        assertTrue(find("aud-a", "aud-b").isEmpty(), "a token for two apps is trusted by neither");
        assertTrue(find("aud-gone").isEmpty(), "a deleted app's users are not let in");
        assertTrue(await(issuers.find("https://login.example/other", List.of("aud-a"))).isEmpty(), "another issuer");
        String[] many = IntStream.range(0, AppIssuers.MAX_AUDIENCES).mapToObj(i -> "x" + i).toArray(String[]::new);
        assertTrue(find(many).isEmpty());
        many[0] = "aud-a";
        assertEquals(AppId.of("app_a"), find(many).orElseThrow().appId());
    }

    @Test
    void aTakenPairIsAConflictWhetherInsertedOrSetByFindAndModify() {
        await(collections.apps().insertOne(app("app_a", "aud-a", AppService.ACTIVE)));
        await(collections.apps().insertOne(new Document("_id", "app_b").append("status", AppService.ACTIVE)));

        Throwable inserted = assertThrows(RuntimeException.class, () -> await(collections.apps().insertOne(app("app_c", "aud-a", AppService.ACTIVE))));
        assertInstanceOf(MongoWriteException.class, inserted);
        // The PATCH path changes the app with find-and-modify, whose duplicate key is a command error, not a write error:
        // the cause of the 500 a taken issuer once gave via PATCH.
        Throwable patched = assertThrows(RuntimeException.class, () -> await(collections.apps().findOneAndUpdate(Filters.eq("_id", "app_b"),
                Updates.set("end_user_idp", app("x", "aud-a", AppService.ACTIVE).get("end_user_idp")))));
        assertInstanceOf(MongoCommandException.class, patched);
        assertTrue(AppIssuers.isRegistrationConflict(inserted));
        assertTrue(AppIssuers.isRegistrationConflict(patched));
        assertFalse(AppIssuers.isRegistrationConflict(new IllegalStateException("other")));

        // Another audience of the same issuer is not a conflict.
        await(collections.apps().findOneAndUpdate(Filters.eq("_id", "app_b"),
                Updates.set("end_user_idp", app("x", "aud-b", AppService.ACTIVE).get("end_user_idp"))));
        assertEquals(AppId.of("app_b"), find("aud-b").orElseThrow().appId());
    }

    @Test
    void theOlderOneAppPerIssuerIndexGivesWayToTheIssuerAndAudienceOne() {
        await(collections.apps().dropIndex("app_issuer_audience"));
        await(collections.apps().createIndex(com.mongodb.client.model.Indexes.ascending("end_user_idp.issuer"),
                new com.mongodb.client.model.IndexOptions().name("app_issuer").sparse(true).unique(true)));
        await(collections.apps().insertOne(app("app_a", "aud-a", AppService.ACTIVE)));
        assertThrows(MongoWriteException.class, () -> await(collections.apps().insertOne(app("app_b", "aud-b", AppService.ACTIVE))));

        await(collections.ensureIndexes());

        List<String> names = EmbeddedMongoFixture.awaitAll(collections.apps().listIndexes()).stream().map(index -> index.getString("name")).toList();
        assertTrue(names.contains("app_issuer_audience") && !names.contains("app_issuer"), names.toString());
        await(collections.apps().insertOne(app("app_b", "aud-b", AppService.ACTIVE)));
        assertThrows(MongoWriteException.class, () -> await(collections.apps().insertOne(app("app_c", "aud-b", AppService.ACTIVE))));
        await(collections.ensureIndexes());
    }

    @Test
    void thePlatformIssuerIsRecognisedInAnySpelling() {
        String platform = "https://login.mozaiks.example/platform";
        assertTrue(AppIssuers.isPlatformIssuer(platform, platform));
        assertTrue(AppIssuers.isPlatformIssuer(platform + "/", platform));
        assertTrue(AppIssuers.isPlatformIssuer("HTTPS://LOGIN.MOZAIKS.EXAMPLE/platform", platform));
        assertTrue(AppIssuers.isPlatformIssuer(" " + platform + "// ", platform + "/"));
        assertFalse(AppIssuers.isPlatformIssuer(platform + "/apps/shop", platform));
        assertFalse(AppIssuers.isPlatformIssuer(null, platform));
    }
}
