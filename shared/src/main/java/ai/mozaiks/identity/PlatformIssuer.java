package ai.mozaiks.identity;

import ai.mozaiks.config.IdentitySettings;
import ai.mozaiks.http.Json;
import ai.mozaiks.outbound.OutboundClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import reactor.core.publisher.Mono;

/**
 * The platform's own identity provider, from {@link IdentitySettings}. When no JWKS URL is
 * configured it is discovered from {@code <issuer>/.well-known/openid-configuration} on the first
 * platform token and remembered; a failed discovery is retried by the next token. The operator configures
 * this issuer, so its documents may come from a private network (an identity provider in the same virtual
 * network, or on loopback in development); the cloud's host and metadata endpoints stay refused.
 */
public final class PlatformIssuer implements TrustedIssuers {
    private static final int MAX_DOCUMENT_BYTES = 256 * 1024;

    private final IdentitySettings settings;
    private final DocumentFetcher fetcher;
    private volatile TrustedIssuer resolved;
    private CompletableFuture<TrustedIssuer> discovering;

    public PlatformIssuer(IdentitySettings settings, OutboundClient client, Duration fetchTimeout) {
        this.settings = settings;
        this.fetcher = new DocumentFetcher(client, true, fetchTimeout, MAX_DOCUMENT_BYTES);
        this.resolved = settings.platformJwksUrl() == null ? null
                : TrustedIssuer.platform(settings.platformIssuer(), settings.platformAudience(), settings.platformJwksUrl());
    }

    /** Where discovery looks: the issuer without a trailing slash, then the well-known path (OIDC Discovery §4). */
    public URI discoveryUri() {
        return URI.create(settings.platformIssuer().replaceAll("/+$", "") + "/.well-known/openid-configuration");
    }

    @Override
    public Mono<Optional<TrustedIssuer>> find(String issuer, List<String> audiences) {
        // Issuers are compared exactly, as OIDC requires: no case folding, no slash trimming.
        if (!settings.platformIssuer().equals(issuer)) {
            return Mono.just(Optional.empty());
        }
        TrustedIssuer known = resolved;
        return (known != null ? Mono.just(known) : Mono.fromFuture(discover(), true)).map(Optional::of);
    }

    private synchronized CompletableFuture<TrustedIssuer> discover() {
        if (resolved != null) {
            return CompletableFuture.completedFuture(resolved);
        }
        if (discovering == null) {
            URI uri = discoveryUri();
            CompletableFuture<TrustedIssuer> started = fetcher.get(uri).thenApply(document -> trusted(uri, document));
            discovering = started;
            // When the fetch is already over, finished() runs right here and clears the field: return the local.
            started.whenComplete((found, error) -> finished(started, found));
            return started;
        }
        return discovering;
    }

    private synchronized void finished(CompletableFuture<TrustedIssuer> fetch, TrustedIssuer found) {
        if (found != null) {
            resolved = found;
        }
        if (discovering == fetch) {
            discovering = null;
        }
    }

    private TrustedIssuer trusted(URI uri, String document) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(document);
        } catch (IOException e) {
            throw new CompletionException(new IdentityProviderUnavailableException(uri + " is not JSON", e));
        }
        // The document must be about the configured issuer (OIDC Discovery §4.3), or it could hand us anyone's keys.
        String issuer = root.path("issuer").asText(null);
        if (!settings.platformIssuer().equals(issuer)) {
            throw new CompletionException(new IdentityProviderUnavailableException(
                    uri + " describes issuer " + issuer + ", not the configured " + settings.platformIssuer()));
        }
        URI jwks = httpUri(root.path("jwks_uri").asText(null));
        if (jwks == null) {
            throw new CompletionException(new IdentityProviderUnavailableException(uri + " names no http(s) jwks_uri"));
        }
        return TrustedIssuer.platform(settings.platformIssuer(), settings.platformAudience(), jwks);
    }

    private static URI httpUri(String value) {
        if (value == null) {
            return null;
        }
        try {
            URI uri = URI.create(value);
            boolean http = "https".equals(uri.getScheme()) || "http".equals(uri.getScheme());
            return http && uri.getHost() != null ? uri : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
