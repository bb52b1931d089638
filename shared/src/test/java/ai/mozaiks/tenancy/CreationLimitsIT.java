package ai.mozaiks.tenancy;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * What one user may create: tenants per user and creates per minute, counted in MongoDB (the real driver against the
 * embedded server), with every create of a burst issued at once.
 */
class CreationLimitsIT {
    private static final int BURST = 30;

    private EmbeddedMongoFixture fixture;
    private MongoDatabase control;
    private ControlCollections collections;
    private TierGrants grants;
    private AuditLog audit;
    private final Tiers tiers = Tiers.load();

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        control = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB);
        collections = new ControlCollections(control);
        audit = new AuditLog(control, fixture.clock());
        grants = new TierGrants(collections, tiers, tiers.lowest(), audit, fixture.clock());
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private static Principal user(String id) {
        return new Principal(id, "https://idp.example", id + "@example.com", null, Set.of(), false, null);
    }

    private static Principal platformAdmin() {
        return new Principal("operator", "https://idp.example", null, null, Set.of("platform_admin"), true, null);
    }

    private CreateRate rate(int perMinute) {
        return new CreateRate(new RateWindows(control.getCollection(RateWindows.COLLECTION), fixture.clock()), perMinute);
    }

    private TenantService tenants(int tenantsPerUser, CreateRate rate) {
        return new TenantService(collections, new TenantAccess(collections), grants, rate, tenantsPerUser, audit, fixture.clock());
    }

    /** Runs every create at once; answers each outcome: "created" or the refusal's status and code. */
    private static Map<String, Integer> burst(int count, java.util.function.IntFunction<Mono<?>> create, List<ApiException> refusals) {
        List<String> outcomes = Flux.range(0, count)
                .flatMap(i -> create.apply(i).subscribeOn(Schedulers.parallel()).map(done -> "created")
                        .onErrorResume(ApiException.class, refused -> {
                            synchronized (refusals) {
                                refusals.add(refused);
                            }
                            return Mono.just(refused.problem().status() + " " + refused.problem().code());
                        }), count)
                .collectList().block(Duration.ofSeconds(30));
        Map<String, Integer> counted = new TreeMap<>();
        outcomes.forEach(outcome -> counted.merge(outcome, 1, Integer::sum));
        return counted;
    }

    private long count(String collection, org.bson.conversions.Bson filter) {
        return await(control.getCollection(collection).countDocuments(filter));
    }

    @Test
    void thirtyConcurrentTenantCreatesByOneUserStopAtTheTenantLimit() {
        TenantService service = tenants(5, rate(1000));
        Principal mallory = user("mallory");

        Map<String, Integer> outcomes = burst(BURST, i -> service.create(mallory, new TenantRequests.CreateTenant("t" + i)), new ArrayList<>());

        assertEquals(Map.of("created", 5, "409 quota_exceeded", BURST - 5), outcomes);
        assertEquals(5, count("tenants", Filters.eq("created_by", "mallory")));
        assertEquals(5, await(Mono.from(collections.users().find(Filters.eq("_id", "mallory")).first())).getInteger("tenants_created"));
        // Another user has a limit of their own.
        assertEquals("owner", await(service.create(user("trent"), new TenantRequests.CreateTenant("mine"))).role());
    }

    @Test
    void aBurstOfCreatesIsRateLimitedPerUserWith429AndRetryAfter() {
        TenantService service = tenants(1000, rate(10));
        Principal mallory = user("mallory");
        List<ApiException> refusals = new ArrayList<>();

        Map<String, Integer> outcomes = burst(BURST, i -> service.create(mallory, new TenantRequests.CreateTenant("t" + i)), refusals);

        assertEquals(Map.of("created", 10, "429 rate_limited", BURST - 10), outcomes);
        assertEquals(10, count("tenants", Filters.eq("created_by", "mallory")));
        for (ApiException refusal : refusals) {
            long retryAfter = Long.parseLong(refusal.headers().get("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        }
        // Refused attempts took no tenant from the user's count.
        assertEquals(10, await(Mono.from(collections.users().find(Filters.eq("_id", "mallory")).first())).getInteger("tenants_created"));
        // The next minute allows creates again.
        fixture.clock().advance(Duration.ofSeconds(60));
        assertEquals("owner", await(service.create(mallory, new TenantRequests.CreateTenant("later"))).role());
    }

    @Test
    void tenantAndAppCreatesShareOneWindow() {
        CreateRate rate = rate(10);
        TenantService tenantService = tenants(1000, rate);
        AppService apps = new AppService(collections, new TenantAccess(collections), tiers,
                new AppUsage(fixture.appDatabases(), fixture.router(), null, new MonthlyTokens(fixture.appDatabases(), fixture.clock())), audit, grants, rate, Duration.ofDays(7),
                new AppRequests.IdpRules("https://idp.example", false), fixture.clock(), (appId, status) -> Mono.empty(),
                new AppIssuers(collections), fixture.runtimeSchema());
        Principal owner = user("owner");
        String tenant = await(tenantService.create(owner, new TenantRequests.CreateTenant("shop"))).id();
        await(grants.grant(platformAdmin(), tenant, new TierGrants.Grant("enterprise", null)));

        Map<String, Integer> outcomes = burst(BURST, i -> apps.create(owner, tenant, new AppRequests.CreateApp("a" + i, "enterprise", null, null)),
                new ArrayList<>());

        assertEquals(Map.of("created", 9, "429 rate_limited", BURST - 9), outcomes, "the tenant took one of the ten");
        assertEquals(9, count("apps", Filters.eq("tenant_id", tenant)));
        assertEquals(9, await(Mono.from(collections.tenants().find(Filters.eq("_id", tenant)).first()))
                .get("app_counts", Document.class).getInteger("enterprise"), "refused creates took no quota");
    }

    @Test
    void platformAdministratorsAreNotLimited() {
        TenantService service = tenants(1, rate(1));
        Principal admin = platformAdmin();

        IntStream.range(0, 5).forEach(i -> await(service.create(admin, new TenantRequests.CreateTenant("ops" + i))));

        assertEquals(5, count("tenants", Filters.eq("created_by", "operator")));
    }
}
