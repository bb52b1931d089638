package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.identity.TrustedIssuer;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** End-user issuers are found by (issuer, audience), which belongs to one app (its entry in app_issuers). */
class AppIssuersIT {
    private static final String ISSUER = "https://login.example/tenant-1";

    private EmbeddedMongoFixture fixture;
    private ControlCollections collections;
    private AppIssuers issuers;

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        collections = new ControlCollections(fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB));
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
    void aDuplicateKeyIsAConflictWhetherInsertedOrSetByFindAndModify() {
        var scratch = fixture.rawDatabase("scratch").getCollection("pairs");
        await(scratch.createIndex(com.mongodb.client.model.Indexes.ascending("k"), new com.mongodb.client.model.IndexOptions().unique(true)));
        await(scratch.insertMany(List.of(new Document("_id", 1).append("k", "a"), new Document("_id", 2).append("k", "b"))));

        Throwable inserted = assertThrows(RuntimeException.class, () -> await(scratch.insertOne(new Document("k", "a"))));
        assertInstanceOf(MongoWriteException.class, inserted);
        // Find-and-modify reports a duplicate key as a command error, not a write error: once the cause of a 500 on PATCH.
        Throwable patched = assertThrows(RuntimeException.class, () -> await(scratch.findOneAndUpdate(Filters.eq("_id", 2),
                Updates.set("k", "a"))));
        assertInstanceOf(MongoCommandException.class, patched);
        assertTrue(AppIssuers.isRegistrationConflict(inserted));
        assertTrue(AppIssuers.isRegistrationConflict(patched));
        assertFalse(AppIssuers.isRegistrationConflict(new IllegalStateException("other")));
    }

    private TierGrants grants;

    private AppService apps() {
        Tiers tiers = Tiers.load();
        MongoDatabase control = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB);
        AuditLog audit = new AuditLog(control, fixture.clock());
        grants = new TierGrants(collections, tiers, tiers.lowest(), audit, fixture.clock());
        CreateRate rate = new CreateRate(new RateWindows(control.getCollection(RateWindows.COLLECTION), fixture.clock()), 1000);
        return new AppService(collections, new TenantAccess(collections), tiers,
                new AppUsage(fixture.appDatabases(), fixture.router(), null, new MonthlyTokens(fixture.appDatabases(), fixture.clock())),
                audit, grants, rate, Duration.ofDays(7), new AppRequests.IdpRules("https://platform.example", false), fixture.clock(),
                (appId, status) -> Mono.empty(), issuers, fixture.runtimeSchema());
    }

    /** A platform administrator: acts as the owner of every tenant, no creation limits in the way. */
    private static final Principal OWNER = new Principal("operator", "https://platform.example", null, null, Set.of("platform_admin"), true, null);

    private String tenant() {
        String tenant = "tenant_" + java.util.UUID.randomUUID();
        await(collections.tenants().insertOne(new Document("_id", tenant).append("name", "t")));
        await(grants.grant(OWNER, tenant, new TierGrants.Grant("enterprise", null)));
        return tenant;
    }

    private static AppRequests.EndUserIdp idp(String audience) {
        return new AppRequests.EndUserIdp(ISSUER, audience, "https://login.example/keys");
    }

    private static void assertTaken(Runnable call) {
        ApiException conflict = assertThrows(ApiException.class, call::run);
        assertEquals(409, conflict.problem().status());
        assertEquals("end_user_idp_in_use", conflict.problem().code());
    }

    private Set<String> holders(String audience) {
        return EmbeddedMongoFixture.awaitAll(collections.appIssuers().find(Filters.eq("_id",
                        new Document("issuer", ISSUER).append("audience", audience)))).stream()
                .map(pair -> pair.getString("app_id")).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void aTakenPairIs409OnCreateAndOnUpdateAndChangesNothing() {
        AppService apps = apps();
        String tenant = tenant();
        String first = await(apps.create(OWNER, tenant, new AppRequests.CreateApp("first", "enterprise", null, idp("aud-1")))).id();
        // Apps without an end-user IdP never collide (a unique sparse index would on Cosmos RU, which ignores sparse).
        String plain = await(apps.create(OWNER, tenant, new AppRequests.CreateApp("plain", "enterprise", null, null))).id();
        String plain2 = await(apps.create(OWNER, tenant, new AppRequests.CreateApp("plain-2", "enterprise", null, null))).id();

        assertTaken(() -> await(apps.create(OWNER, tenant, new AppRequests.CreateApp("second", "enterprise", null, idp("aud-1")))));
        assertTaken(() -> await(apps.update(OWNER, plain, new AppRequests.UpdateApp(null, null, null, idp("aud-1")))));

        assertEquals(Set.of(first), holders("aud-1"));
        assertEquals(null, await(apps.get(OWNER, plain)).endUserIdp());
        assertEquals(1L, await(collections.apps().countDocuments(Filters.eq("end_user_idp.audience", "aud-1"))));
        // The quota a refused create took is given back: three apps counted.
        assertEquals(3, await(collections.tenants().find(Filters.eq("_id", tenant)).first()).get("app_counts", Document.class).getInteger("enterprise"));
        // Setting an app's own pair again is no conflict.
        await(apps.update(OWNER, first, new AppRequests.UpdateApp("renamed", null, null, idp("aud-1"))));
        assertEquals(Set.of(first), holders("aud-1"));
        assertEquals(null, await(apps.get(OWNER, plain2)).endUserIdp());
    }

    @Test
    void changingTheIdpOrDeletingTheAppFreesThePair() {
        AppService apps = apps();
        String tenant = tenant();
        String first = await(apps.create(OWNER, tenant, new AppRequests.CreateApp("first", "enterprise", null, idp("aud-1")))).id();
        String second = await(apps.create(OWNER, tenant, new AppRequests.CreateApp("second", "enterprise", null, null))).id();

        await(apps.update(OWNER, first, new AppRequests.UpdateApp(null, null, null, idp("aud-2"))));
        assertEquals(Set.of(), holders("aud-1"));
        assertEquals(Set.of(first), holders("aud-2"));
        await(apps.update(OWNER, second, new AppRequests.UpdateApp(null, null, null, idp("aud-1"))));
        assertEquals(Set.of(second), holders("aud-1"));

        await(apps.delete(OWNER, first));
        assertEquals(Set.of(), holders("aud-2"));
        String third = await(apps.create(OWNER, tenant, new AppRequests.CreateApp("third", "enterprise", null, idp("aud-2")))).id();
        assertEquals(Set.of(third), holders("aud-2"));
        // Restoring the deleted app would take a pair another app holds now: refused, and the app stays deleted.
        assertTaken(() -> await(apps.restore(OWNER, first)));
        assertEquals(AppService.DELETED, await(apps.get(OWNER, first)).status());
        assertEquals(Set.of(third), holders("aud-2"));

        await(apps.delete(OWNER, third));
        assertEquals(AppService.ACTIVE, await(apps.restore(OWNER, first)).status());
        assertEquals(Set.of(first), holders("aud-2"));
    }

    @Test
    void aFoundPairIsKeptForItsTimeAndForgottenAtOnceWhenThisInstanceChangesAnIdp() {
        AppIssuers kept = new AppIssuers(collections, Duration.ofSeconds(2), fixture.clock());
        await(collections.apps().insertOne(app("app_a", "aud-a", AppService.ACTIVE)));
        assertEquals(AppId.of("app_a"), await(kept.find(ISSUER, List.of("aud-a"))).orElseThrow().appId());
        assertTrue(await(kept.find(ISSUER, List.of("aud-b"))).isEmpty());

        // Changed behind this instance's back (as by another instance): the kept answer holds until its time is up.
        await(collections.apps().updateOne(Filters.eq("_id", "app_a"), Updates.set("end_user_idp.jwks_url", "https://login.example/rotated")));
        await(collections.apps().insertOne(app("app_b", "aud-b", AppService.ACTIVE)));
        assertEquals("https://login.example/keys", await(kept.find(ISSUER, List.of("aud-a"))).orElseThrow().jwksUri().toString());
        assertEquals(AppId.of("app_b"), await(kept.find(ISSUER, List.of("aud-b"))).orElseThrow().appId(), "an unknown pair is not kept");
        fixture.clock().advance(Duration.ofSeconds(2));
        assertEquals("https://login.example/rotated", await(kept.find(ISSUER, List.of("aud-a"))).orElseThrow().jwksUri().toString());

        // A change made here is seen at once.
        await(collections.apps().updateOne(Filters.eq("_id", "app_a"), Updates.set("status", AppService.DELETED)));
        assertTrue(await(kept.find(ISSUER, List.of("aud-a"))).isPresent(), "still within its time");
        await(kept.release("app_a", new Document("issuer", ISSUER).append("audience", "aud-a")));
        assertTrue(await(kept.find(ISSUER, List.of("aud-a"))).isEmpty());
    }

    @Test
    void anIdpChangedOrAnAppDeletedOnThisInstanceIsSeenAtOnce() {
        issuers = new AppIssuers(collections, Duration.ofSeconds(2), fixture.clock());
        AppService apps = apps();
        String tenant = tenant();
        String app = await(apps.create(OWNER, tenant, new AppRequests.CreateApp("first", "enterprise", null, idp("aud-1")))).id();
        assertEquals("https://login.example/keys", find("aud-1").orElseThrow().jwksUri().toString());

        await(apps.update(OWNER, app, new AppRequests.UpdateApp(null, null, null,
                new AppRequests.EndUserIdp(ISSUER, "aud-1", "https://login.example/rotated"))));
        assertEquals("https://login.example/rotated", find("aud-1").orElseThrow().jwksUri().toString());
        await(apps.update(OWNER, app, new AppRequests.UpdateApp(null, null, null, idp("aud-2"))));
        assertTrue(find("aud-1").isEmpty());
        assertEquals(AppId.of(app), find("aud-2").orElseThrow().appId());
        await(apps.delete(OWNER, app));
        assertTrue(find("aud-2").isEmpty());
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
