package ai.mozaiks.models.openai;

import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.HttpFailure;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.ResponseAssembler;
import ai.mozaiks.models.TransportFailure;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.regex.Pattern;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Any endpoint that speaks the OpenAI chat-completions REST API: OpenAI, Azure OpenAI with a key
 * ({@code AZURE} style), and local servers over plain http (Ollama, llama.cpp). Streams over the
 * JDK's asynchronous HTTP client, so no thread waits while the model thinks.
 */
public final class OpenAiCompatibleModel implements ChatModel {
    /** How much of an error body is read: enough for any provider's error object. */
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** Header-safe request ids only (OpenAI takes up to 512 printable ASCII characters). */
    private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21-\\x7e]{1,512}");

    private final OpenAiCompatibleSettings settings;
    private final HttpClient client;
    private final Clock clock;

    public OpenAiCompatibleModel(OpenAiCompatibleSettings settings) {
        this(settings, HttpClient.newBuilder().connectTimeout(settings.connectTimeout()).build(), Clock.systemUTC());
    }

    /** With a shared client (its connect timeout then rules) and a clock for {@code Retry-After} dates. */
    public OpenAiCompatibleModel(OpenAiCompatibleSettings settings, HttpClient client, Clock clock) {
        this.settings = settings;
        this.client = client;
        this.clock = clock;
    }

    @Override
    public Flux<ModelEvent> stream(ModelRequest request) {
        return Flux.defer(() -> {
            ResponseAssembler assembler = new ResponseAssembler(request);
            ChunkReader chunks = new ChunkReader(assembler, request.requestId());
            SseDecoder sse = new SseDecoder();
            Flux<List<String>> events = body(request)
                    // One deadline for the answer to start and then between two pieces of it.
                    .timeout(settings.readTimeout())
                    .map(sse::feed)
                    .concatWith(Mono.fromSupplier(sse::end));
            return events
                    .concatMapIterable(list -> list)
                    .takeUntil(ChunkReader.DONE::equals)
                    .concatMapIterable(chunks::read)
                    .concatWith(Mono.fromSupplier(() -> finish(assembler, chunks, request)))
                    .onErrorMap(error -> TransportFailure.of(error, request.requestId()));
        });
    }

    private Flux<List<ByteBuffer>> body(ModelRequest request) {
        HttpRequest http = httpRequest(request);
        return Mono.fromFuture(() -> client.sendAsync(http, HttpResponse.BodyHandlers.ofPublisher()), false)
                .flatMapMany(response -> response.statusCode() / 100 == 2
                        ? JdkFlowAdapter.flowPublisherToFlux(response.body())
                        : failure(request, response));
    }

    private HttpRequest httpRequest(ModelRequest request) {
        HttpRequest.Builder http = HttpRequest.newBuilder(settings.chatCompletionsUrl(request.model()))
                .timeout(settings.readTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(ChatCompletionsBody.of(request, settings.style()),
                        StandardCharsets.UTF_8));
        // Local servers over cleartext can choke on the h2c upgrade; TLS endpoints negotiate HTTP/2 by ALPN.
        if ("http".equals(settings.baseUrl().getScheme())) {
            http.version(HttpClient.Version.HTTP_1_1);
        }
        if (settings.style() == OpenAiCompatibleSettings.ApiStyle.AZURE) {
            http.header("api-key", settings.apiKey());
        } else if (settings.apiKey() != null) {
            http.header("Authorization", "Bearer " + settings.apiKey());
        }
        if (HEADER_SAFE.matcher(request.requestId()).matches()) {
            // The provider's own logs can then be found by our id.
            http.header(settings.style() == OpenAiCompatibleSettings.ApiStyle.AZURE
                    ? "x-ms-client-request-id" : "X-Client-Request-Id", request.requestId());
        }
        return http.build();
    }

    private <T> Mono<T> failure(ModelRequest request, HttpResponse<Flow.Publisher<List<ByteBuffer>>> response) {
        return JdkFlowAdapter.flowPublisherToFlux(response.body())
                .reduce(new ByteArrayOutputStream(), (out, buffers) -> {
                    for (ByteBuffer buffer : buffers) {
                        int room = MAX_ERROR_BODY - out.size();
                        if (room > 0) {
                            byte[] bytes = new byte[Math.min(room, buffer.remaining())];
                            buffer.get(bytes);
                            out.write(bytes, 0, bytes.length);
                        }
                    }
                    return out;
                })
                .flatMap(out -> Mono.error(HttpFailure.of(request.requestId(), response.statusCode(),
                        name -> response.headers().firstValue(name).orElse(null),
                        out.toString(StandardCharsets.UTF_8), clock)));
    }

    /** A stream cut before the model said why it stopped (no finish reason, no [DONE]) is a failure, not a reply. */
    private static ModelEvent finish(ResponseAssembler assembler, ChunkReader chunks, ModelRequest request) {
        if (!assembler.finished() && !chunks.done()) {
            throw new ModelException(ModelException.Kind.UNAVAILABLE, request.requestId(),
                    "the stream ended before the model finished");
        }
        return assembler.complete();
    }
}
