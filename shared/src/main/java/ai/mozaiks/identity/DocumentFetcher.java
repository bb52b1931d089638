package ai.mozaiks.identity;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * GETs a small JSON document from an identity provider, asynchronously, within a deadline and a
 * size limit, so a slow or hostile endpoint can hold neither a thread nor much memory.
 */
final class DocumentFetcher {
    private final HttpClient http;
    private final Duration timeout;
    private final int maxBytes;

    DocumentFetcher(HttpClient http, Duration timeout, int maxBytes) {
        this.http = http;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    /** The body of a 200 answer; otherwise fails with {@link IdentityProviderUnavailableException}. */
    CompletableFuture<String> get(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        CompletableFuture<HttpResponse<String>> response;
        try {
            response = http.sendAsync(request, info -> info.statusCode() == 200
                    ? new BoundedBody(maxBytes)
                    : HttpResponse.BodySubscribers.replacing(null));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IdentityProviderUnavailableException(uri + " cannot be fetched", e));
        }
        // The request timeout covers the headers only; this one bounds the whole exchange.
        return response.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((answer, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                throw new CompletionException(new IdentityProviderUnavailableException(
                        uri + " cannot be fetched: " + cause.getClass().getSimpleName(), cause));
            }
            if (answer.statusCode() != 200) {
                throw new CompletionException(new IdentityProviderUnavailableException(
                        uri + " answered HTTP " + answer.statusCode()));
            }
            return answer.body();
        });
    }

    /** Collects the body as UTF-8 text, and gives up (cancelling the stream) past the size limit. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<String> {
        private final HttpResponse.BodySubscriber<String> text = HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
        private final int maxBytes;
        private Flow.Subscription subscription;
        private long received;
        private boolean failed;

        BoundedBody(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public CompletionStage<String> getBody() {
            return text.getBody();
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            text.onSubscribe(subscription);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (failed) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                received += buffer.remaining();
            }
            if (received > maxBytes) {
                failed = true;
                subscription.cancel();
                text.onError(new IOException("document larger than " + maxBytes + " bytes"));
                return;
            }
            text.onNext(buffers);
        }

        @Override
        public void onError(Throwable error) {
            if (!failed) {
                text.onError(error);
            }
        }

        @Override
        public void onComplete() {
            if (!failed) {
                text.onComplete();
            }
        }
    }
}
