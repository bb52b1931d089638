package ai.mozaiks.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.IdentitySettings;
import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.kernel.AppId;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Which issuers are trusted: the platform's (configured or discovered) and then the apps'. */
class TrustedIssuersIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final OutboundClient outbound = new OutboundClient(HostResolver.system());
    private LocalIdentityProvider idp;

    @BeforeEach
    void start() throws Exception {
        idp = new LocalIdentityProvider();
    }

    @AfterEach
    void stop() {
        idp.close();
    }

    private PlatformIssuer platform(URI jwks) {
        return new PlatformIssuer(new IdentitySettings(idp.issuer(), "api", jwks, Duration.ofSeconds(60), "roles", "platform_admin"),
                outbound, Duration.ofSeconds(5));
    }

    @Test
    void configuredJwksUrlNeedsNoDiscovery() {
        TrustedIssuer found = platform(URI.create("http://127.0.0.1:1/keys")).find(idp.issuer(), List.of("api")).block(WAIT).orElseThrow();

        assertEquals(TrustedIssuer.platform(idp.issuer(), "api", URI.create("http://127.0.0.1:1/keys")), found);
        assertEquals(0, idp.requests(LocalIdentityProvider.DISCOVERY));
    }

    @Test
    void discoveryIsRememberedAndOtherIssuersAreNotLookedUp() {
        PlatformIssuer platform = platform(null);

        assertEquals(idp.jwksUri(), platform.find(idp.issuer(), List.of("api")).block(WAIT).orElseThrow().jwksUri());
        assertEquals(idp.jwksUri(), platform.find(idp.issuer(), List.of("api")).block(WAIT).orElseThrow().jwksUri());
        assertTrue(platform.find("https://elsewhere.example", List.of("api")).block(WAIT).isEmpty());
        assertEquals(1, idp.requests(LocalIdentityProvider.DISCOVERY));
    }

    @Test
    void discoveryFailureIsAnOutageAndIsRetried() {
        PlatformIssuer platform = platform(null);
        idp.failWith(502);

        assertThrows(IdentityProviderUnavailableException.class, () -> platform.find(idp.issuer(), List.of("api")).block(WAIT));
        idp.failWith(0);

        assertEquals(idp.jwksUri(), platform.find(idp.issuer(), List.of("api")).block(WAIT).orElseThrow().jwksUri());
        assertEquals(2, idp.requests(LocalIdentityProvider.DISCOVERY));
    }

    @Test
    void discoveryDocumentOfAnotherIssuerIsRefused() {
        idp.discovery("https://someone-else.example", idp.jwksUri().toString());

        IdentityProviderUnavailableException error = assertThrows(IdentityProviderUnavailableException.class,
                () -> platform(null).find(idp.issuer(), List.of("api")).block(WAIT));
        assertTrue(error.getMessage().contains("someone-else.example"), error.getMessage());
    }

    @Test
    void appIssuersAreAskedOnlyForNonPlatformIssuersAndGrantOnlyAppTrust() {
        URI jwks = URI.create("http://127.0.0.1:1/jwks");
        TrustedIssuer shop = TrustedIssuer.app("https://shop.example", "web", jwks, AppId.of("shop"));
        Map<String, TrustedIssuer> records = Map.of(
                "https://shop.example", shop,
                // A bad record: claims platform trust, or answers for a different issuer.
                "https://sneaky.example", TrustedIssuer.platform("https://sneaky.example", "api", jwks),
                "https://mismatch.example", shop);
        AtomicInteger lookups = new AtomicInteger();
        TrustedIssuers issuers = TrustedIssuers.of(platform(jwks), (issuer, audiences) -> {
            lookups.incrementAndGet();
            return Mono.just(Optional.ofNullable(records.get(issuer)));
        });

        assertEquals(TrustedIssuer.Kind.PLATFORM, issuers.find(idp.issuer(), List.of("api")).block(WAIT).orElseThrow().kind());
        assertEquals(0, lookups.get());
        assertEquals(shop, issuers.find("https://shop.example", List.of("web")).block(WAIT).orElseThrow());
        assertTrue(issuers.find("https://sneaky.example", List.of("api")).block(WAIT).isEmpty());
        assertTrue(issuers.find("https://mismatch.example", List.of("web")).block(WAIT).isEmpty());
        assertTrue(issuers.find("https://unknown.example", List.of("api")).block(WAIT).isEmpty());
        // An answer for an audience the token does not carry grants nothing.
        assertTrue(issuers.find("https://shop.example", List.of("api")).block(WAIT).isEmpty());
        assertEquals(5, lookups.get());
    }

    @Test
    void anEmptyAppLookupMeansUntrusted() {
        TrustedIssuers issuers = TrustedIssuers.of(platform(idp.jwksUri()), (issuer, audiences) -> Mono.empty());

        assertEquals(Optional.empty(), issuers.find("https://unknown.example", List.of("api")).block(WAIT));
    }
}
