package ai.mozaiks.identity;

import ai.mozaiks.kernel.LruMap;
import ai.mozaiks.outbound.OutboundClient;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import reactor.core.publisher.Mono;

/**
 * The signing keys of identity providers, fetched from their JWKS URIs and cached per URI.
 *
 * <ul>
 *   <li>A key set is reused for {@code ttl}; then it is fetched again.</li>
 *   <li>When no key fits (an unknown {@code kid}, such as after a key rotation) the set is fetched
 *       again once, but no sooner than {@code minRefreshInterval} after the last fetch of that URI,
 *       so tokens with made-up key ids cannot make us hammer the identity provider.</li>
 *   <li>Concurrent callers share one fetch.</li>
 *   <li>When a fetch fails, the last good set keeps serving until it is {@code maxStaleAge} old.</li>
 *   <li>At most {@code maxEntries} URIs are remembered, the least recently used forgotten first: apps
 *       choose these URIs, so they must not grow the cache without bound.</li>
 *   <li>The platform issuer's keys are fetched as the operator configured them (private networks allowed);
 *       an app's only from addresses {@code appPrivateNetworks} allows (public ones, outside development).
 *       The two are cached apart even when the URIs are equal.</li>
 * </ul>
 */
public final class JwksCache {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    public static final Duration DEFAULT_MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_STALE_AGE = Duration.ofHours(6);
    public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_ENTRIES = 1000;
    private static final int MAX_DOCUMENT_BYTES = 512 * 1024;

    /** Where a key set comes from: the URI, and whose it is (which decides how it may be fetched). */
    private record Source(URI uri, TrustedIssuer.Kind kind) {}

    private final DocumentFetcher platformFetcher;
    private final DocumentFetcher appFetcher;
    private final Clock clock;
    private final Duration ttl;
    private final Duration minRefreshInterval;
    private final Duration maxStaleAge;
    private final Map<Source, KeySet> sets; // guarded by itself

    public JwksCache(OutboundClient client, boolean appPrivateNetworks, Duration fetchTimeout, Clock clock, Duration ttl,
                     Duration minRefreshInterval, Duration maxStaleAge, int maxEntries) {
        if (maxStaleAge.compareTo(ttl) < 0) {
            throw new IllegalArgumentException("maxStaleAge must be at least ttl");
        }
        this.platformFetcher = new DocumentFetcher(client, true, fetchTimeout, MAX_DOCUMENT_BYTES);
        this.appFetcher = new DocumentFetcher(client, appPrivateNetworks, fetchTimeout, MAX_DOCUMENT_BYTES);
        this.clock = clock;
        this.ttl = ttl;
        this.minRefreshInterval = minRefreshInterval;
        this.maxStaleAge = maxStaleAge;
        this.sets = new LruMap<>(maxEntries);
    }

    public static JwksCache withDefaults(OutboundClient client, boolean appPrivateNetworks, Clock clock) {
        return new JwksCache(client, appPrivateNetworks, DEFAULT_FETCH_TIMEOUT, clock, DEFAULT_TTL, DEFAULT_MIN_REFRESH_INTERVAL,
                DEFAULT_MAX_STALE_AGE, DEFAULT_MAX_ENTRIES);
    }

    /**
     * The keys {@code issuer} publishes at its JWKS URI that pass {@code wanted}; empty when none do even
     * after the one refresh allowed. Fails with {@link IdentityProviderUnavailableException} only when no
     * usable key set can be had at all.
     */
    public Mono<List<JWK>> find(TrustedIssuer issuer, Predicate<JWK> wanted) {
        KeySet set;
        synchronized (sets) {
            set = sets.computeIfAbsent(new Source(issuer.jwksUri(), issuer.kind()), KeySet::new);
        }
        return set.current().flatMap(keys -> {
            List<JWK> found = select(keys, wanted);
            return found.isEmpty()
                    ? set.refreshForUnknownKey().map(fresh -> select(fresh, wanted)).defaultIfEmpty(List.of())
                    : Mono.just(found);
        });
    }

    private static List<JWK> select(JWKSet keys, Predicate<JWK> wanted) {
        return keys.getKeys().stream().filter(wanted).toList();
    }

    private static JWKSet parse(URI uri, String document) {
        try {
            return JWKSet.parse(document);
        } catch (ParseException e) {
            throw new IdentityProviderUnavailableException(uri + " did not answer with a JWK set", e);
        }
    }

    /** One JWKS URI: its last good keys and the fetch in flight, guarded by this object's lock. */
    private final class KeySet {
        private final URI uri;
        private final DocumentFetcher fetcher;
        private JWKSet keys;
        private Instant fetchedAt;
        private Instant lastFetchStarted = Instant.MIN;
        private CompletableFuture<JWKSet> inflight;

        KeySet(Source source) {
            this.uri = source.uri();
            this.fetcher = source.kind() == TrustedIssuer.Kind.PLATFORM ? platformFetcher : appFetcher;
        }

        Mono<JWKSet> current() {
            JWKSet fallback;
            CompletableFuture<JWKSet> fetch;
            synchronized (this) {
                Instant now = clock.instant();
                if (keys != null && now.isBefore(fetchedAt.plus(ttl))) {
                    return Mono.just(keys);
                }
                fallback = usable(now);
                if (fallback != null && inflight == null && fetchedRecently(now)) {
                    // The refresh failed moments ago: serve the old keys rather than retry on every request.
                    return Mono.just(fallback);
                }
                fetch = fetch(now);
            }
            return Mono.fromFuture(fetch, true)
                    .onErrorResume(error -> fallback != null ? Mono.just(fallback) : Mono.error(error));
        }

        /** A fresher set after an unknown key, or the same one when a fetch happened too recently. */
        Mono<JWKSet> refreshForUnknownKey() {
            JWKSet fallback;
            CompletableFuture<JWKSet> fetch;
            synchronized (this) {
                Instant now = clock.instant();
                fallback = usable(now);
                if (inflight == null && fetchedRecently(now)) {
                    return Mono.justOrEmpty(fallback);
                }
                fetch = fetch(now);
            }
            return Mono.fromFuture(fetch, true).onErrorResume(error -> Mono.justOrEmpty(fallback));
        }

        private JWKSet usable(Instant now) {
            return keys != null && now.isBefore(fetchedAt.plus(maxStaleAge)) ? keys : null;
        }

        private boolean fetchedRecently(Instant now) {
            return now.isBefore(lastFetchStarted.plus(minRefreshInterval));
        }

        /** Joins the fetch in flight, or starts one. Called with the lock held. */
        private CompletableFuture<JWKSet> fetch(Instant now) {
            if (inflight != null) {
                return inflight;
            }
            CompletableFuture<JWKSet> shared = new CompletableFuture<>();
            inflight = shared;
            lastFetchStarted = now;
            fetcher.get(uri).thenApply(document -> parse(uri, document)).whenComplete((fetched, error) -> {
                // Bookkeeping first, so callers woken by the shared future see the new state.
                synchronized (this) {
                    if (fetched != null) {
                        keys = fetched;
                        fetchedAt = clock.instant();
                    }
                    inflight = null;
                }
                if (error != null) {
                    shared.completeExceptionally(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
                } else {
                    shared.complete(fetched);
                }
            });
            return shared;
        }
    }
}
