package ai.mozaiks.identity;

import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.persistence.MutableClock;
import ai.mozaiks.kernel.AppId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Caching, sharing and outage behaviour of the key cache against a real JWKS endpoint. */
class JwksCacheIT {
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final Duration MIN_REFRESH = Duration.ofSeconds(30);
    private static final Duration MAX_STALE = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Room for the first request of the JVM, which loads the HTTP stack. */
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final OutboundClient outbound = new OutboundClient(HostResolver.system());
    private final RSAKey key = Tokens.rsa("k1");
    private LocalIdentityProvider idp;
    private JwksCache cache;

    @BeforeEach
    void start() throws Exception {
        idp = new LocalIdentityProvider();
        idp.publish(new JWKSet(key));
        cache = new JwksCache(outbound, false, FETCH_TIMEOUT, clock, TTL, MIN_REFRESH, MAX_STALE, 100);
    }

    @AfterEach
    void stop() {
        idp.close();
    }

    /** The local provider as the platform issuer: the operator's, so loopback is allowed. */
    private TrustedIssuer platform() {
        return TrustedIssuer.platform(idp.issuer(), "api", idp.jwksUri());
    }

    private static Predicate<JWK> kid(String kid) {
        return key -> kid.equals(key.getKeyID());
    }

    private List<JWK> find(String kid) {
        return cache.find(platform(), kid(kid)).block(WAIT);
    }

    /** The keys published at {@code path} of the local provider, as the platform issuer's. */
    private List<JWK> keysAt(String path) {
        return cache.find(TrustedIssuer.platform(idp.issuer(), "api", idp.uri(path)), kid("k1")).block(WAIT);
    }

    @Test
    void onlyPublicKeysAreServedAndTheyAreCached() {
        List<JWK> found = find("k1");
        find("k1");

        assertEquals(1, found.size());
        assertEquals(key.toPublicJWK(), found.get(0));
        assertEquals(1, idp.requests(LocalIdentityProvider.JWKS));
    }

    @Test
    void theLeastRecentlyUsedKeySetIsForgottenPastTheSizeLimit() {
        cache = new JwksCache(outbound, false, FETCH_TIMEOUT, clock, TTL, MIN_REFRESH, MAX_STALE, 2);
        for (String path : List.of("/a", "/b", "/c")) {
            idp.publish(path, new JWKSet(key));
        }

        keysAt("/a");
        keysAt("/b");
        keysAt("/a");
        keysAt("/c"); // the third set: /b, least recently used, is forgotten
        keysAt("/a");
        keysAt("/c");
        keysAt("/b");

        assertEquals(1, idp.requests("/a"));
        assertEquals(1, idp.requests("/c"));
        assertEquals(2, idp.requests("/b"), "a forgotten set is fetched again within its TTL");
    }

    @Test
    void anAppsKeysAreFetchedOnlyFromPublicAddressesAndCachedApartFromThePlatforms() throws Exception {
        OutboundClient toLoopback = new OutboundClient(host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
        cache = new JwksCache(toLoopback, false, FETCH_TIMEOUT, clock, TTL, MIN_REFRESH, MAX_STALE, 100);
        URI jwks = URI.create("http://keys.shop.example:" + idp.jwksUri().getPort() + LocalIdentityProvider.JWKS);
        TrustedIssuer app = TrustedIssuer.app("https://id.shop.example", "web", jwks, AppId.of("shop"));

        IdentityProviderUnavailableException error = assertThrows(IdentityProviderUnavailableException.class,
                () -> cache.find(app, kid("k1")).block(WAIT));
        assertTrue(error.getMessage().contains("resolves to a loopback address"), error.getMessage());
        assertEquals(0, idp.requests(LocalIdentityProvider.JWKS));

        assertEquals(1, cache.find(TrustedIssuer.platform(idp.issuer(), "api", jwks), kid("k1")).block(WAIT).size());
        assertThrows(IdentityProviderUnavailableException.class, () -> cache.find(app, kid("k1")).block(WAIT),
                "the platform's cached keys are not served for the app's equal URI");
        assertEquals(1, idp.requests(LocalIdentityProvider.JWKS));
    }

    @Test
    void concurrentCallersShareOneFetch() throws Exception {
        CountDownLatch release = idp.holdAnswers();
        List<Mono<List<JWK>>> callers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            callers.add(cache.find(platform(), kid("k1")).cache());
        }
        callers.forEach(Mono::subscribe);
        Thread.sleep(200);
        release.countDown();

        for (Mono<List<JWK>> caller : callers) {
            assertEquals(1, caller.block(WAIT).size());
        }
        assertEquals(1, idp.requests(LocalIdentityProvider.JWKS));
    }

    @Test
    void concurrentUnknownKidsShareOneRefresh() throws Exception {
        find("k1");
        clock.advance(MIN_REFRESH.plusSeconds(1));
        CountDownLatch release = idp.holdAnswers();
        List<Mono<List<JWK>>> callers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            callers.add(cache.find(platform(), kid("forged-" + i)).cache());
        }
        callers.forEach(Mono::subscribe);
        Thread.sleep(200);
        release.countDown();

        for (Mono<List<JWK>> caller : callers) {
            assertTrue(caller.block(WAIT).isEmpty());
        }
        assertEquals(2, idp.requests(LocalIdentityProvider.JWKS));
    }

    @Test
    void lastGoodKeysServeThroughAnOutageUntilTheyAreTooOld() {
        find("k1");
        idp.failWith(503);

        clock.advance(TTL.plusSeconds(1));
        assertEquals(1, find("k1").size(), "stale keys serve while the refresh fails");
        assertEquals(2, idp.requests(LocalIdentityProvider.JWKS));

        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, find("k1").size());
        assertEquals(2, idp.requests(LocalIdentityProvider.JWKS), "a failed refresh is not retried on every request");

        clock.advance(MIN_REFRESH);
        assertEquals(1, find("k1").size());
        assertEquals(3, idp.requests(LocalIdentityProvider.JWKS), "but it is retried after the interval");

        clock.advance(MAX_STALE);
        assertThrows(IdentityProviderUnavailableException.class, () -> find("k1"));

        idp.failWith(0);
        assertEquals(1, find("k1").size(), "the next request recovers once the provider answers");
    }

    @Test
    void aDocumentThatIsNotAKeySetIsAnOutage() {
        idp.serve(LocalIdentityProvider.JWKS, "<html>maintenance</html>");

        assertThrows(IdentityProviderUnavailableException.class, () -> find("k1"));
    }

    @Test
    void anOversizedDocumentIsRefused() {
        idp.serve(LocalIdentityProvider.JWKS, "{\"keys\":[],\"padding\":\"" + "x".repeat(600 * 1024) + "\"}");

        IdentityProviderUnavailableException error = assertThrows(IdentityProviderUnavailableException.class, () -> find("k1"));
        assertTrue(error.getMessage().contains(idp.jwksUri().toString()), error.getMessage());
    }

    @Test
    void aMaxStaleAgeShorterThanTheTtlIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new JwksCache(outbound, false, Duration.ofSeconds(1), clock, TTL, MIN_REFRESH, TTL.minusSeconds(1), 100));
    }
}
