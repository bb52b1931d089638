package ai.mozaiks.models.azure;

import ai.mozaiks.http.Json;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.HttpFailure;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.ResponseAssembler;
import ai.mozaiks.models.TransportFailure;
import com.azure.ai.openai.OpenAIAsyncClient;
import com.azure.ai.openai.OpenAIClientBuilder;
import com.azure.ai.openai.models.ChatCompletionStreamOptions;
import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.AddHeadersPolicy;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.BinaryData;
import com.azure.core.util.HttpClientOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Azure OpenAI through the {@code azure-ai-openai} SDK, with the resource key or an Entra identity
 * (a managed identity in Azure). The SDK's own pipeline is replaced by one without retries, since
 * the engine decides when to retry, and with the key as a plain {@code api-key} header, since the
 * SDK's key policy refuses the plain-http endpoints of local test servers. A cancelled or timed-out
 * call closes its connection ({@link ReleasableBodyPolicy}), so the service stops generating.
 */
public final class AzureOpenAiModel implements ChatModel {
    /** The Reactor context key that carries the caller's request id to the pipeline. */
    static final String REQUEST_ID = "mozaiks.model.request-id";
    private static final ObjectMapper MAPPER = Json.mapper();

    private final AzureOpenAiSettings settings;
    private final OpenAIAsyncClient client;
    private final Clock clock;

    /**
     * @param identity the Entra credential used when the settings carry no key (then required)
     */
    public AzureOpenAiModel(AzureOpenAiSettings settings, TokenCredential identity) {
        this(settings, identity, HttpClient.createDefault(new HttpClientOptions()
                .setConnectTimeout(settings.connectTimeout())
                .setResponseTimeout(settings.readTimeout())
                .setReadTimeout(settings.readTimeout())), Clock.systemUTC());
    }

    /**
     * With a given transport (a shared Netty client, or one that trusts a test server's certificate);
     * its connect and read timeouts then rule the connection, the settings' read timeout the stream.
     */
    public AzureOpenAiModel(AzureOpenAiSettings settings, TokenCredential identity, HttpClient transport, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        HttpPipeline pipeline = new HttpPipelineBuilder()
                .httpClient(transport)
                .policies(new ClientRequestIdPolicy(), authentication(settings, identity), new ReleasableBodyPolicy())
                .build();
        this.client = new OpenAIClientBuilder()
                .endpoint(settings.endpoint().toString())
                .serviceVersion(settings.serviceVersion())
                .pipeline(pipeline)
                .buildAsyncClient();
    }

    private static HttpPipelinePolicy authentication(AzureOpenAiSettings settings, TokenCredential identity) {
        if (settings.apiKey() != null) {
            return new AddHeadersPolicy(new HttpHeaders().set(HttpHeaderName.fromString("api-key"), settings.apiKey()));
        }
        if (identity == null) {
            throw new IllegalArgumentException("Azure OpenAI needs an api key or an Entra identity; neither was given");
        }
        return new BearerTokenAuthenticationPolicy(identity, settings.tokenScope());
    }

    @Override
    public Flux<ModelEvent> stream(ModelRequest request) {
        return Flux.defer(() -> {
            ResponseAssembler assembler = new ResponseAssembler(request);
            SdkUpdates updates = new SdkUpdates(assembler);
            Sinks.Empty<Void> release = Sinks.empty();
            return client.getChatCompletionsStream(request.model(), SdkRequests.options(request),
                            new ChatCompletionStreamOptions().setIncludeUsage(true))
                    // One deadline for the answer to start and then between two pieces of it.
                    .timeout(settings.readTimeout())
                    // On cancel or timeout too: the connection closes instead of being read to its end.
                    .doFinally(signal -> release.tryEmitEmpty())
                    .concatMapIterable(updates::read)
                    .concatWith(Mono.fromSupplier(() -> finish(assembler, request)))
                    .onErrorMap(error -> failure(error, request))
                    .contextWrite(context -> context.put(REQUEST_ID, request.requestId())
                            .put(ReleasableBodyPolicy.RELEASE, release.asMono()));
        });
    }

    /** The SDK stops quietly at {@code [DONE]} and at a cut connection alike: only a finish reason tells them apart. */
    private static ModelEvent finish(ResponseAssembler assembler, ModelRequest request) {
        if (!assembler.finished()) {
            throw new ModelException(ModelException.Kind.UNAVAILABLE, request.requestId(),
                    "the stream ended before the model finished");
        }
        return assembler.complete();
    }

    private Throwable failure(Throwable error, ModelRequest request) {
        if (error instanceof HttpResponseException http && http.getResponse() != null) {
            return HttpFailure.of(request.requestId(), http.getResponse().getStatusCode(),
                    name -> http.getResponse().getHeaderValue(HttpHeaderName.fromString(name)), body(http), clock);
        }
        return TransportFailure.of(error, request.requestId());
    }

    /** The error body as the SDK kept it: deserialized into maps, or raw. */
    private static String body(HttpResponseException http) {
        Object value = http.getValue();
        if (value == null) {
            return http.getMessage();
        }
        if (value instanceof BinaryData data) {
            return data.toString();
        }
        if (value instanceof String text) {
            return text;
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return String.valueOf(value);
        }
    }

    /** Sends the caller's request id as {@code x-ms-client-request-id}, so the service's logs can be found by it. */
    private static final class ClientRequestIdPolicy implements HttpPipelinePolicy {
        @Override
        public Mono<com.azure.core.http.HttpResponse> process(com.azure.core.http.HttpPipelineCallContext context,
                                                              com.azure.core.http.HttpPipelineNextPolicy next) {
            context.getData(REQUEST_ID).ifPresent(id ->
                    context.getHttpRequest().setHeader(HttpHeaderName.X_MS_CLIENT_REQUEST_ID, id.toString()));
            return next.process();
        }
    }
}
