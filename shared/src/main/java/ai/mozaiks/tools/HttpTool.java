package ai.mozaiks.tools;

import ai.mozaiks.config.ToolSettings;
import ai.mozaiks.engine.ToolInvocation;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.http.InputLimits;
import ai.mozaiks.http.Json;
import ai.mozaiks.outbound.AddressRanges;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.outbound.OutboundException;
import ai.mozaiks.workflows.manifest.ToolImplementation;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import reactor.core.publisher.Mono;

/**
 * Calls a tool declared as {@code implementation: {type: http, url, method}}. The call's arguments go as
 * the JSON body (POST, PUT, PATCH) or as query parameters (GET, DELETE); a tool declared with {@code context} (variable
 * names) gets {@code {"arguments": {...}, "context_variables": {...}}} instead, those variables' values beside them; the answer's JSON (or text) is the
 * tool's result (an object's {@code context_updates} member sets context variables, see {@code ToolRound}). Every failure — refused address, timeout, error status, oversized or unreadable answer —
 * becomes {@code {"error": ...}} for the model, never an exception: the engine records it like any result.
 *
 * <p>Headers tell the endpoint who calls: {@code X-Mozaiks-App-Id}, {@code X-Mozaiks-Chat-Id},
 * {@code X-Mozaiks-Agent}, and an {@code Idempotency-Key} unique per tool call and stable across attempts of
 * its step ({@link ToolInvocation#idempotencyKey()}), so an endpoint with side effects can recognise the one repeat
 * the platform can make (a crash after the call, before its result was recorded). Requests go through the {@link OutboundClient}: the host is resolved once and vetted, the
 * connection is pinned to the vetted address, redirects are not followed, and the whole call has one deadline.
 */
public final class HttpTool implements ToolRegistry.HttpTools {
    private static final int MAX_ERROR_BODY = 300;
    private static final Duration MAX_CONNECT = Duration.ofSeconds(10);

    private final OutboundClient client;
    private final ToolSettings settings;
    private final OutboundClient.Rules rules;

    public HttpTool(OutboundClient client, ToolSettings settings) {
        this.client = client;
        this.settings = settings;
        Duration connect = settings.timeout().compareTo(MAX_CONNECT) < 0 ? settings.timeout() : MAX_CONNECT;
        this.rules = new OutboundClient.Rules(settings.allowPrivateNetworks(), connect, settings.timeout(), settings.timeout(),
                settings.maxResponseBytes());
    }

    @Override
    public Mono<JsonNode> call(ToolInvocation invocation, ToolImplementation.Http endpoint) {
        URI url = withQuery(endpoint, invocation.call().arguments());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        headers.put("User-Agent", "mozaiks-tools");
        headers.put("X-Mozaiks-App-Id", invocation.appId());
        headers.put("X-Mozaiks-Chat-Id", invocation.chatId());
        headers.put("X-Mozaiks-Agent", invocation.agent());
        headers.put("Idempotency-Key", invocation.idempotencyKey());
        byte[] body = null;
        if (hasBody(endpoint.method())) {
            headers.put("Content-Type", "application/json");
            body = (endpoint.context().isEmpty() ? invocation.call().argumentsJson() : withContext(invocation, endpoint))
                    .getBytes(StandardCharsets.UTF_8);
        }
        String tool = invocation.tool().name();
        return client.send(new OutboundClient.Request(endpoint.method(), url, headers, body), rules)
                .map(response -> answer(tool, response))
                .onErrorResume(failure -> Mono.just(error(failed(tool, url, failure))));
    }

    private String failed(String tool, URI url, Throwable error) {
        if (!(error instanceof OutboundException failure)) {
            return "the tool " + tool + " could not be reached (" + error.getClass().getSimpleName() + ")";
        }
        return switch (failure.reason()) {
            case REFUSED -> failure.range().filter(AddressRanges.Range::local).isPresent()
                    ? "the tool's host " + url.getHost() + " is on a private network, which tools may not call"
                    : "the tool's host " + url.getHost() + " resolves to " + failure.range().map(AddressRanges.Range::name).orElse("")
                            + ", which tools may not call";
            case UNKNOWN_HOST -> "the tool's host " + url.getHost() + " is unknown";
            case TIMEOUT -> "the tool " + tool + " did not answer within " + settings.timeout().toSeconds() + " s";
            case TOO_LARGE -> "the tool " + tool + " answered with more than " + settings.maxResponseBytes() / 1024 + " KB";
            case BAD_URL, FAILED -> "the tool " + tool + " could not be reached (" + failure.getMessage() + ")";
        };
    }

    private static JsonNode answer(String tool, OutboundClient.Response response) {
        String body = response.text();
        if (response.status() / 100 != 2) {
            ObjectNode error = error("the tool " + tool + " answered HTTP " + response.status());
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
            if (notJson.getCause() instanceof StreamConstraintsException) {
                // JSON past the reader's bounds is an error, not text: read as text, its context_updates would reach the model.
                return error("the tool " + tool + " answered JSON past the limits this platform reads (" + InputLimits.MAX_DEPTH
                        + " levels deep)");
            }
            return Json.mapper().getNodeFactory().textNode(body);
        }
    }

    /** The arguments beside the values of the variables the tool reads ({@code null} for one not set). */
    private static String withContext(ToolInvocation invocation, ToolImplementation.Http endpoint) {
        Map<String, Object> variables = new LinkedHashMap<>();
        endpoint.context().forEach(name -> variables.put(name, invocation.contextVariables().get(name)));
        ObjectNode body = Json.mapper().createObjectNode();
        body.set("arguments", invocation.call().arguments() == null ? Json.mapper().createObjectNode() : invocation.call().arguments());
        body.set("context_variables", Json.mapper().valueToTree(variables));
        return body.toString();
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
