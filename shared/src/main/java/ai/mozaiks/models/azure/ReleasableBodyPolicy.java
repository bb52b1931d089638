package ai.mozaiks.models.azure;

import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Lets a caller that stops listening close the connection. The SDK's stream of updates is a
 * {@code cache()} of the response body, so cancelling it never reaches the connection: the body
 * would be read to its end while the model went on generating, and billing, tokens. This policy
 * ends the body when the signal in the call's context fires, which makes the HTTP client drop the
 * connection and the service stop.
 */
final class ReleasableBodyPolicy implements HttpPipelinePolicy {
    /** The context key of the {@code Mono<Void>} whose completion releases the body. */
    static final String RELEASE = "mozaiks.model.release-body";

    @Override
    @SuppressWarnings("unchecked")
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        return context.getData(RELEASE)
                .map(signal -> next.process().map(response -> (HttpResponse) new Releasable(response, (Mono<Void>) signal)))
                .orElseGet(next::process);
    }

    private static final class Releasable extends HttpResponse {
        private final HttpResponse inner;
        private final Mono<Void> release;

        Releasable(HttpResponse inner, Mono<Void> release) {
            super(inner.getRequest());
            this.inner = inner;
            this.release = release;
        }

        @Override
        public int getStatusCode() {
            return inner.getStatusCode();
        }

        @Override
        public String getHeaderValue(String name) {
            return inner.getHeaderValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return inner.getHeaders();
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return inner.getBody().takeUntilOther(release);
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return inner.getBodyAsByteArray();
        }

        @Override
        public Mono<String> getBodyAsString() {
            return inner.getBodyAsString();
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return inner.getBodyAsString(charset);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
