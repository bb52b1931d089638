package ai.mozaiks.devhost.functions;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.LocalTime;

/**
 * The parts of the function app's host.json the devhost honours, read from the same file that is
 * deployed (it travels in the functions jar).
 */
public record HostJson(String routePrefix, QueueOptions queues) {

    /** The queue trigger's settings, with the Functions host's defaults for what is not set. */
    public record QueueOptions(boolean base64, int maxDequeueCount, Duration maxPollingInterval,
                               Duration visibilityTimeout, int batchSize, int newBatchThreshold) {
    }

    public static HostJson load() {
        try (InputStream in = HostJson.class.getResourceAsStream("/host.json")) {
            if (in == null) {
                throw new IllegalStateException("host.json is not on the classpath (it ships in the functions jar)");
            }
            return parse(Json.mapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("host.json cannot be read", e);
        }
    }

    static HostJson parse(JsonNode root) {
        JsonNode extensions = root.path("extensions");
        String routePrefix = extensions.path("http").path("routePrefix").asText("api");
        JsonNode q = extensions.path("queues");
        int batchSize = q.path("batchSize").asInt(16);
        String encoding = q.path("messageEncoding").asText("base64");
        if (!encoding.equals("base64") && !encoding.equals("none")) {
            throw new IllegalStateException("host.json queues.messageEncoding must be base64 or none, not " + encoding);
        }
        QueueOptions queues = new QueueOptions(
                encoding.equals("base64"),
                q.path("maxDequeueCount").asInt(5),
                timeSpan(q.path("maxPollingInterval"), Duration.ofMinutes(1)),
                timeSpan(q.path("visibilityTimeout"), Duration.ZERO),
                batchSize,
                q.path("newBatchThreshold").asInt(batchSize / 2));
        return new HostJson(routePrefix, queues);
    }

    /** host.json writes durations as .NET TimeSpans ({@code hh:mm:ss}) or as milliseconds. */
    private static Duration timeSpan(JsonNode node, Duration fallback) {
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        if (node.isNumber()) {
            return Duration.ofMillis(node.asLong());
        }
        return Duration.ofNanos(LocalTime.parse(node.asText()).toNanoOfDay());
    }
}
