package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.ne;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.identity.TrustedIssuer;
import ai.mozaiks.identity.TrustedIssuers;
import ai.mozaiks.kernel.AppId;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.client.model.Sorts;
import ai.mozaiks.persistence.SchemaReport;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The apps' own identity providers, found by issuer and audience: whose end-user a token's bearer is. An app's
 * end-user tokens must carry the audience the app registered, and the pair (issuer, audience) belongs to one app
 * (its {@code _id} in {@code app_issuers}, which {@link AppService} keeps), so apps may share an issuer but a token for one app is never accepted by another. A token
 * naming the audiences of two apps is trusted by neither.
 *
 * <p>What was found is kept for a short time (the app-state cache's {@code APP_STATE_CACHE_SECONDS}, 2 s by default, at
 * most {@link #MAX_CACHED} pairs), so a burst of one app's users costs one lookup, not one per request: a pair given up
 * or re-pointed (another JWKS address) on another instance goes on being trusted here for at most that time; on this
 * instance a change takes effect at once ({@link #forget}). Only a found issuer is kept, so unknown issuers fill
 * nothing. The app's state is not taken from here: the broker and the runtime read it themselves.
 */
public final class AppIssuers implements TrustedIssuers {
    /** More audiences than any real token carries; such a token is not looked up. */
    static final int MAX_AUDIENCES = 16;
    static final int MAX_CACHED = 10_000;

    private final ControlCollections collections;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Counts {@link #forget}s, so a lookup that began before one is not kept after it. */
    private final AtomicLong generation = new AtomicLong();

    /** Looks every pair up (nothing kept). */
    public AppIssuers(ControlCollections collections) {
        this(collections, Duration.ZERO, Clock.systemUTC());
    }

    /** Keeps what it found for {@code ttl}. */
    public AppIssuers(ControlCollections collections, Duration ttl, Clock clock) {
        this.collections = collections;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public Mono<Optional<TrustedIssuer>> find(String issuer, List<String> audiences) {
        List<String> distinct = audiences.stream().distinct().toList();
        if (distinct.isEmpty() || distinct.size() > MAX_AUDIENCES) {
            return Mono.just(Optional.empty());
        }
        String key = issuer + '\n' + String.join("\n", distinct.stream().sorted().toList());
        Cached cached = cache.get(key);
        if (cached != null && cached.expiresAt().isAfter(clock.instant())) {
            return Mono.just(Optional.of(cached.issuer()));
        }
        long asOf = generation.get();
        return Flux.from(collections.apps().find(and(eq("end_user_idp.issuer", issuer), in("end_user_idp.audience", distinct),
                        ne("status", AppService.DELETED))).limit(2))
                .collectList()
                .map(apps -> apps.size() != 1 ? Optional.<TrustedIssuer>empty() : Optional.of(trusted(issuer, apps.get(0))))
                .doOnNext(found -> found.ifPresent(trusted -> remember(key, trusted, asOf)));
    }

    /** Drops every pair this instance keeps (an app's IdP or state changed here), so the next request looks it up. */
    void forget() {
        generation.incrementAndGet();
        cache.clear();
    }

    /** Keeps a pair found as of {@code asOf}, unless something here changed since (the answer may predate the change). */
    private void remember(String key, TrustedIssuer trusted, long asOf) {
        if (ttl.isZero() || generation.get() != asOf) {
            return;
        }
        Instant now = clock.instant();
        if (cache.size() >= MAX_CACHED) {
            cache.values().removeIf(entry -> !entry.expiresAt().isAfter(now));
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
        }
        cache.put(key, new Cached(trusted, now.plus(ttl)));
        if (generation.get() != asOf) {
            cache.remove(key); // a forget ran meanwhile
        }
    }

    private record Cached(TrustedIssuer issuer, Instant expiresAt) {
    }

    private static TrustedIssuer trusted(String issuer, Document app) {
        Document idp = app.get("end_user_idp", Document.class);
        return TrustedIssuer.app(issuer, idp.getString("audience"), URI.create(idp.getString("jwks_url")), AppId.of(app.getString("_id")));
    }

    /** The {@code _id} of a pair in {@code app_issuers}: always written in this field order, so equal pairs match. */
    static Document pair(Document idp) {
        return new Document("issuer", idp.getString("issuer")).append("audience", idp.getString("audience"));
    }

    /**
     * Takes the app's (issuer, audience) pair: 409 {@code end_user_idp_in_use} when another app holds it; a no-op when
     * this app does already.
     */
    Mono<Void> claim(String appId, Document idp) {
        Document pair = pair(idp);
        return Mono.from(collections.appIssuers().insertOne(new Document("_id", pair).append("app_id", appId)))
                .then()
                .onErrorResume(AppIssuers::isRegistrationConflict, taken -> Mono.from(collections.appIssuers().find(eq("_id", pair)).first())
                        .filter(holder -> appId.equals(holder.getString("app_id")))
                        .switchIfEmpty(Mono.error(AppIssuers::registrationConflict))
                        .then());
    }

    /** Gives the app's pair up (its IdP changed, or it was deleted); a pair another app holds is left alone. */
    Mono<Void> release(String appId, Document idp) {
        return idp == null ? Mono.empty()
                : Mono.from(collections.appIssuers().deleteOne(and(eq("_id", pair(idp)), eq("app_id", appId)))).then()
                        .doOnTerminate(this::forget);
    }

    /** Gives up whatever the app holds (its purge). */
    Mono<Void> releaseAll(String appId) {
        return Mono.from(collections.appIssuers().deleteMany(eq("app_id", appId))).then().doOnTerminate(this::forget);
    }

    /**
     * Registers the pairs of apps that had an end-user IdP before pairs were kept in {@code app_issuers} (the one-off
     * migration, run by the ensure step; repeating it changes nothing). Two live apps with one pair are reported, and
     * the first keeps it.
     */
    public Mono<SchemaReport> backfill() {
        String database = collections.appIssuers().getNamespace().getDatabaseName();
        return Flux.from(collections.apps().find(and(exists("end_user_idp.issuer", true), ne("status", AppService.DELETED),
                        ne("status", AppPurger.PURGED))).sort(Sorts.ascending("_id")))
                .concatMap(app -> claim(app.getString("_id"), app.get("end_user_idp", Document.class))
                        .then(Mono.<SchemaReport.Entry>empty())
                        .onErrorResume(ApiException.class, taken -> Mono.just(new SchemaReport.Entry(database,
                                ControlCollections.APP_ISSUERS, null, SchemaReport.Outcome.CONFLICT,
                                "app " + app.getString("_id") + " registers a pair another app holds: "
                                        + pair(app.get("end_user_idp", Document.class)).toJson()))))
                .collectList()
                .map(SchemaReport::new);
    }

    /**
     * Whether {@code issuer} is the platform's own, compared loosely (case of scheme and host, trailing slashes) so
     * that no spelling of it can be registered for an app's end-users.
     */
    static boolean isPlatformIssuer(String issuer, String platformIssuer) {
        return issuer != null && loose(issuer).equals(loose(platformIssuer));
    }

    private static String loose(String issuer) {
        return issuer.strip().replaceAll("/+$", "").toLowerCase(Locale.ROOT);
    }

    /** A write refused by the unique (issuer, audience) index, as insert or find-and-modify reports it. */
    static boolean isRegistrationConflict(Throwable error) {
        return error instanceof MongoException mongo && ErrorCategory.fromErrorCode(mongo.getCode()) == ErrorCategory.DUPLICATE_KEY;
    }

    /** Says only that the pair is taken: never by which app or tenant. */
    static ApiException registrationConflict() {
        return ApiException.conflict("end_user_idp_in_use", "This end-user issuer and audience are already registered; "
                + "register the audience your identity provider issues for this app alone.");
    }
}
