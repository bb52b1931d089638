package ai.mozaiks.tools;

import ai.mozaiks.config.ToolSettings;
import ai.mozaiks.engine.ToolInvocation;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.http.Json;
import ai.mozaiks.workflows.manifest.ToolImplementation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.StringJoiner;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Calls a tool declared as {@code implementation: {type: http, url, method}}. The call's arguments go as
 * the JSON body (POST, PUT, PATCH) or as query parameters (GET, DELETE); the answer's JSON (or text) is the
 * tool's result. Every failure — refused address, timeout, error status, oversized or unreadable answer —
 * becomes {@code {"error": ...}} for the model, never an exception: the engine records it like any result.
 *
 * <p>Headers tell the endpoint who calls: {@code X-Mozaiks-App-Id}, {@code X-Mozaiks-Chat-Id},
 * {@code X-Mozaiks-Agent}, and an {@code Idempotency-Key} unique per tool call, so an endpoint with side
 * effects can recognise the one repeat the platform can make (a crash after the call, before its result was
 * recorded). Redirects are not followed: they could lead past the address check.
 */
public final class HttpTool implements ToolRegistry.HttpTools {
    private static final int MAX_ERROR_BODY = 300;

    private final HttpClient client;
    private final ToolSettings settings;
    private final NetworkPolicy network;

    public HttpTool(HttpClient client, ToolSettings settings) {
        this.client = client;
        this.settings = settings;
        this.network = new NetworkPolicy(settings.allowPrivateNetworks());
    }

    /** A client for tools: no redirects, HTTP/1.1 and 2, bounded connection time. */
    public static HttpClient defaultClient(ToolSettings settings) {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(settings.timeout()).build();
    }

    @Override
    public Mono<JsonNode> call(ToolInvocation invocation, ToolImplementation.Http endpoint) {
        URI url = withQuery(endpoint, invocation.call().arguments());
        // Resolving the host blocks; it runs off the event loop.
        return Mono.fromCallable(() -> network.refusal(url))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(refusal -> refusal.isPresent() ? Mono.just(error(refusal.get())) : send(invocation, endpoint, url));
    }

    private Mono<JsonNode> send(ToolInvocation invocation, ToolImplementation.Http endpoint, URI url) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(settings.timeout())
                .header("Accept", "application/json")
                .header("User-Agent", "mozaiks-tools")
                .header("X-Mozaiks-App-Id", invocation.appId())
                .header("X-Mozaiks-Chat-Id", invocation.chatId())
                .header("X-Mozaiks-Agent", invocation.agent())
                .header("Idempotency-Key", invocation.appId() + ":" + invocation.chatId() + ":" + invocation.stepSeq()
                        + ":" + invocation.call().id());
        if (hasBody(endpoint.method())) {
            request.header("Content-Type", "application/json")
                    .method(endpoint.method(), HttpRequest.BodyPublishers.ofString(invocation.call().argumentsJson()));
        } else {
            request.method(endpoint.method(), HttpRequest.BodyPublishers.noBody());
        }
        String tool = invocation.tool().name();
        return Mono.fromFuture(() -> client.sendAsync(request.build(), LimitedBody.handler(settings.maxResponseBytes())))
                .map(response -> answer(tool, response))
                .onErrorResume(failure -> Mono.just(error(failed(tool, failure))));
    }

    private String failed(String tool, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof HttpTimeoutException) {
            return "the tool " + tool + " did not answer within " + settings.timeout().toSeconds() + " s";
        }
        if (cause instanceof LimitedBody.TooLarge) {
            return "the tool " + tool + " answered with more than " + settings.maxResponseBytes() / 1024 + " KB";
        }
        return "the tool " + tool + " could not be reached (" + cause.getClass().getSimpleName() + ")";
    }

    private static JsonNode answer(String tool, HttpResponse<byte[]> response) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() / 100 != 2) {
            ObjectNode error = error("the tool " + tool + " answered HTTP " + response.statusCode());
            if (!body.isBlank()) {
                error.put("detail", body.length() > MAX_ERROR_BODY ? body.substring(0, MAX_ERROR_BODY) + "…" : body);
            }
            return error;
        }
        if (body.isBlank()) {
            return Json.mapper().nullNode();
        }
        try {
            return Json.read(body);
        } catch (IllegalArgumentException notJson) {
            return Json.mapper().getNodeFactory().textNode(body);
        }
    }

    private static boolean hasBody(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    /** GET and DELETE carry the arguments in the query: scalars as they are, anything else as JSON. */
    private static URI withQuery(ToolImplementation.Http endpoint, JsonNode arguments) {
        if (hasBody(endpoint.method()) || arguments == null || arguments.isEmpty()) {
            return endpoint.url();
        }
        StringJoiner query = new StringJoiner("&");
        for (Iterator<Map.Entry<String, JsonNode>> fields = arguments.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            String text = value.isValueNode() ? value.asText() : value.toString();
            query.add(encode(field.getKey()) + "=" + encode(text));
        }
        String url = endpoint.url().toString();
        return URI.create(url + (endpoint.url().getRawQuery() == null ? "?" : "&") + query);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static ObjectNode error(String message) {
        return Json.mapper().createObjectNode().put("error", message);
    }
}
