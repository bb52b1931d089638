package ai.mozaiks.devhost.webpubsub;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Delivers events to the hub's event handlers as the service does: binary-mode CloudEvents over
 * HTTP with the {@code ce-*} headers and the {@code ce-signature} of every access key, after abuse
 * protection. {@code connect} and user events wait for the answer; {@code connected} and
 * {@code disconnected} are notifications whose failures are only logged.
 */
final class Upstream {
    private static final Logger LOG = Logger.getLogger(Upstream.class.getName());
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String SYSTEM_JSON = "application/json; charset=utf-8";

    /** What a client asks for when it connects, as the {@code connect} event carries it. */
    record ConnectRequest(String hub, String connectionId, ClientClaims claims, Map<String, List<String>> query,
                          Map<String, List<String>> headers, List<String> subprotocols) {
    }

    /**
     * The handler's answer to {@code connect}: refused with an HTTP status, or accepted with what it
     * overrides (null = keep the token's).
     */
    record ConnectVerdict(int refusedStatus, String userId, List<String> groups, List<String> roles,
                          String subprotocol, String state) {
        static final ConnectVerdict AS_IS = new ConnectVerdict(0, null, null, null, null, null);

        static ConnectVerdict refused(int status) {
            return new ConnectVerdict(status, null, null, null, null, null);
        }

        boolean accepted() {
            return refusedStatus == 0;
        }
    }

    /** Who an event is about: the {@code ce-*} attributes. */
    private record Source(String hub, String connectionId, String userId, String subprotocol, String state) {
        static Source of(ClientConnection connection) {
            return new Source(connection.hub(), connection.id(), connection.userId(), connection.subprotocol(), connection.state());
        }
    }

    private final EmulatorOptions options;
    private final HttpClient http;
    private final AbuseProtection abuseProtection;
    private final Clock clock;
    private final AtomicLong eventIds = new AtomicLong();

    Upstream(EmulatorOptions options, HttpClient http, Clock clock) {
        this.options = options;
        this.http = http;
        this.abuseProtection = new AbuseProtection(http, options.webhookOrigin());
        this.clock = clock;
    }

    /** Asks the hub's connect handler; with none, the client connects as its token says. */
    CompletableFuture<ConnectVerdict> connect(ConnectRequest request) {
        Optional<EventHandler> handler = systemHandler(request.hub(), "connect");
        if (handler.isEmpty()) {
            return CompletableFuture.completedFuture(ConnectVerdict.AS_IS);
        }
        ObjectNode body = Json.mapper().createObjectNode();
        body.set("claims", Json.mapper().valueToTree(request.claims().all()));
        body.set("query", Json.mapper().valueToTree(request.query()));
        body.set("headers", Json.mapper().valueToTree(request.headers()));
        body.set("subprotocols", Json.mapper().valueToTree(request.subprotocols()));
        body.putArray("clientCertificates");
        Source source = new Source(request.hub(), request.connectionId(), request.claims().userId(), null, null);
        return post(handler.get(), source, "azure.webpubsub.sys.connect", "connect", SYSTEM_JSON,
                body.toString().getBytes(StandardCharsets.UTF_8))
                .thenApply(Upstream::verdict)
                .exceptionally(failure -> {
                    LOG.warning("Web PubSub: connect refused for hub " + request.hub() + " by " + handler.get().urlTemplate()
                            + ": " + describe(failure));
                    return ConnectVerdict.refused(cause(failure) instanceof RefusedConnect refused ? refused.status : 500);
                });
    }

    CompletableFuture<Void> connected(ClientConnection connection) {
        return notify(connection, "connected", Json.mapper().createObjectNode());
    }

    CompletableFuture<Void> disconnected(ClientConnection connection, String reason) {
        return notify(connection, "disconnected", Json.mapper().createObjectNode().put("reason", reason));
    }

    /**
     * Sends a user event and returns the handler's reply for the client, if it gave one (a 200 with a
     * body). Fails when the handler cannot be reached or answers an error. No handler for the event
     * means no reply.
     */
    CompletableFuture<Optional<Payload>> userEvent(ClientConnection connection, String event, Payload payload) {
        Optional<EventHandler> handler = options.handlers(connection.hub()).stream()
                .filter(candidate -> candidate.handlesUser(event)).findFirst();
        if (handler.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return post(handler.get(), Source.of(connection), "azure.webpubsub.user." + event, event, payload.mediaType(), payload.body())
                .thenApply(response -> {
                    connection.state(response.headers().firstValue("ce-connectionState").orElse(null));
                    if (response.statusCode() / 100 != 2) {
                        throw new UpstreamFailure("the event handler answered " + response.statusCode());
                    }
                    if (response.statusCode() != 200 || response.body().length == 0) {
                        return Optional.<Payload>empty();
                    }
                    return Optional.of(Payload.fromHttp(response.headers().firstValue("Content-Type").orElse(null), response.body()));
                });
    }

    /** The {@code ce-signature} value: {@code sha256=<hex HMAC-SHA256(key, connectionId)>} per access key. */
    static String signature(List<String> accessKeys, String connectionId) {
        List<String> signatures = new ArrayList<>();
        for (String key : accessKeys) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                signatures.add("sha256=" + HexFormat.of().formatHex(mac.doFinal(connectionId.getBytes(StandardCharsets.UTF_8))));
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
            }
        }
        return String.join(",", signatures);
    }

    private CompletableFuture<Void> notify(ClientConnection connection, String event, ObjectNode body) {
        Optional<EventHandler> handler = systemHandler(connection.hub(), event);
        if (handler.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return post(handler.get(), Source.of(connection), "azure.webpubsub.sys." + event, event, SYSTEM_JSON,
                body.toString().getBytes(StandardCharsets.UTF_8))
                .thenAccept(response -> {
                    if (response.statusCode() / 100 != 2) {
                        throw new UpstreamFailure("the event handler answered " + response.statusCode());
                    }
                })
                .exceptionally(failure -> {
                    LOG.warning("Web PubSub: " + event + " event for connection " + connection.id() + " not delivered to "
                            + handler.get().urlTemplate() + ": " + describe(failure));
                    return null;
                });
    }

    private CompletableFuture<HttpResponse<byte[]>> post(EventHandler handler, Source source, String type, String event,
                                                         String contentType, byte[] body) {
        URI url = handler.url(source.hub(), event);
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(TIMEOUT)
                .header("Content-Type", contentType)
                .header("WebHook-Request-Origin", options.webhookOrigin())
                .header("ce-specversion", "1.0")
                .header("ce-awpsversion", "1.0")
                .header("ce-type", type)
                .header("ce-source", "/hubs/" + source.hub() + "/client/" + source.connectionId())
                .header("ce-id", Long.toString(eventIds.incrementAndGet()))
                .header("ce-time", DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)))
                .header("ce-signature", signature(options.accessKeys(), source.connectionId()))
                .header("ce-connectionId", source.connectionId())
                .header("ce-hub", source.hub())
                .header("ce-eventName", event);
        if (source.userId() != null) {
            request.header("ce-userId", source.userId());
        }
        if (source.subprotocol() != null) {
            request.header("ce-subprotocol", source.subprotocol());
        }
        if (source.state() != null) {
            request.header("ce-connectionState", source.state());
        }
        return abuseProtection.check(handler.url(source.hub(), "validate"))
                .thenCompose(allowed -> http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    private Optional<EventHandler> systemHandler(String hub, String event) {
        return options.handlers(hub).stream().filter(handler -> handler.handlesSystem(event)).findFirst();
    }

    private static ConnectVerdict verdict(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw new RefusedConnect(status >= 400 && status < 600 ? status : 500, "the event handler answered " + status);
        }
        String state = response.headers().firstValue("ce-connectionState").orElse(null);
        if (status != 200 || response.body().length == 0) {
            return new ConnectVerdict(0, null, null, null, null, state);
        }
        JsonNode answer;
        try {
            answer = Json.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new RefusedConnect(500, "the event handler's connect answer is not JSON");
        }
        JsonNode userId = answer.path("userId");
        JsonNode subprotocol = answer.path("subprotocol");
        return new ConnectVerdict(0,
                userId.isTextual() ? userId.asText() : null,
                strings(answer.path("groups")),
                strings(answer.path("roles")),
                subprotocol.isTextual() && !subprotocol.asText().isBlank() ? subprotocol.asText() : null,
                state);
    }

    private static List<String> strings(JsonNode array) {
        if (!array.isArray()) {
            return null;
        }
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** A failure in a log line: its message, or its type when it has none (as a refused TCP connect). */
    static String describe(Throwable failure) {
        Throwable cause = cause(failure);
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /** A connect the handler refused, with the status the client's upgrade gets. */
    private static final class RefusedConnect extends RuntimeException {
        private final int status;

        RefusedConnect(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
