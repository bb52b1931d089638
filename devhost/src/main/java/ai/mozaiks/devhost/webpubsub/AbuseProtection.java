package ai.mozaiks.devhost.webpubsub;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CloudEvents webhook validation the service does before it sends an event handler anything:
 * {@code OPTIONS} with {@code WebHook-Request-Origin}, answered 2xx with {@code WebHook-Allowed-Origin}
 * {@code *} or that origin. A handler that passed is trusted from then on; one that failed is asked
 * again with the next event (the function behind it may have been deployed since).
 */
final class AbuseProtection {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;
    private final String origin;
    private final Set<URI> allowed = ConcurrentHashMap.newKeySet();

    AbuseProtection(HttpClient http, String origin) {
        this.http = http;
        this.origin = origin;
    }

    /** Completes when {@code url} accepts events from this service; fails with an {@link UpstreamFailure} if not. */
    CompletableFuture<Void> check(URI url) {
        if (allowed.contains(url)) {
            return CompletableFuture.completedFuture(null);
        }
        HttpRequest request = HttpRequest.newBuilder(url)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("WebHook-Request-Origin", origin)
                .header("ce-awpsversion", "1.0")
                .timeout(TIMEOUT)
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(response -> {
            String allowedOrigins = response.headers().firstValue("WebHook-Allowed-Origin").orElse("");
            boolean permits = Arrays.stream(allowedOrigins.split(",")).map(String::strip)
                    .anyMatch(value -> value.equals("*") || value.equalsIgnoreCase(origin));
            if (response.statusCode() / 100 != 2 || !permits) {
                throw new UpstreamFailure("the event handler " + url + " failed abuse protection: OPTIONS answered "
                        + response.statusCode() + (permits ? "" : " without WebHook-Allowed-Origin " + origin + " or *"));
            }
            allowed.add(url);
            return null;
        });
    }
}
