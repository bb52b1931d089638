package ai.mozaiks.identity;

import ai.mozaiks.outbound.OutboundClient;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * GETs a small JSON document from an identity provider through the {@link OutboundClient}: within one
 * deadline and a size limit, so a slow or hostile endpoint can hold neither a thread nor much memory, and
 * only at addresses {@code privateNetworks} allows.
 */
final class DocumentFetcher {
    private static final Map<String, String> HEADERS = Map.of("Accept", "application/json", "User-Agent", "mozaiks");

    private final OutboundClient client;
    private final OutboundClient.Rules rules;

    DocumentFetcher(OutboundClient client, boolean privateNetworks, Duration timeout, int maxBytes) {
        this.client = client;
        this.rules = new OutboundClient.Rules(privateNetworks, timeout, timeout, timeout, maxBytes);
    }

    /** The body of a 200 answer; otherwise fails with {@link IdentityProviderUnavailableException}. */
    CompletableFuture<String> get(URI uri) {
        return client.send(new OutboundClient.Request("GET", uri, HEADERS, null), rules)
                .onErrorMap(error -> new IdentityProviderUnavailableException(uri + " cannot be fetched: " + error.getMessage(), error))
                .map(answer -> {
                    if (answer.status() != 200) {
                        throw new IdentityProviderUnavailableException(uri + " answered HTTP " + answer.status());
                    }
                    return answer.text();
                })
                .toFuture();
    }
}
