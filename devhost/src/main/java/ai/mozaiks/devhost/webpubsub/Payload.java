package ai.mozaiks.devhost.webpubsub;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * A message's content as the JSON subprotocols carry it: {@code text} (a string), {@code json}
 * (any JSON value) or {@code binary} (base64). Over HTTP (REST sends, upstream events and their
 * replies) the type is the Content-Type: text/plain, application/json, application/octet-stream.
 */
record Payload(Type type, JsonNode data) {
    enum Type {
        TEXT("text", "text/plain"),
        JSON("json", "application/json"),
        BINARY("binary", "application/octet-stream");

        final String dataType;
        final String mediaType;

        Type(String dataType, String mediaType) {
            this.dataType = dataType;
            this.mediaType = mediaType;
        }
    }

    /** From an HTTP body; no Content-Type means binary. Anything else unknown, or bad JSON, is refused. */
    static Payload fromHttp(String contentType, byte[] body) {
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        switch (mediaType) {
            case "text/plain":
                return new Payload(Type.TEXT, new TextNode(new String(body, StandardCharsets.UTF_8)));
            case "application/json":
                try {
                    JsonNode data = Json.mapper().readTree(body);
                    if (data == null || data.isMissingNode()) {
                        throw new IllegalArgumentException("the application/json body is empty");
                    }
                    return new Payload(Type.JSON, data);
                } catch (IOException e) {
                    throw new IllegalArgumentException("the application/json body is not JSON");
                }
            case "", "application/octet-stream":
                return new Payload(Type.BINARY, new TextNode(Base64.getEncoder().encodeToString(body)));
            default:
                throw new IllegalArgumentException(
                        "Content-Type must be text/plain, application/json or application/octet-stream, not " + contentType);
        }
    }

    /** From a client message's {@code dataType} (json when absent) and {@code data}. */
    static Payload fromClient(JsonNode dataType, JsonNode data) {
        String type = dataType.isMissingNode() || dataType.isNull() ? "json" : dataType.asText();
        switch (type) {
            case "json":
                return new Payload(Type.JSON, data.isMissingNode() ? NullNode.getInstance() : data);
            case "text":
                if (!data.isTextual()) {
                    throw new IllegalArgumentException("text data must be a string");
                }
                return new Payload(Type.TEXT, data);
            case "binary":
                if (!data.isTextual()) {
                    throw new IllegalArgumentException("binary data must be a base64 string");
                }
                Base64.getDecoder().decode(data.asText());
                return new Payload(Type.BINARY, data);
            default:
                throw new IllegalArgumentException("dataType must be json, text or binary, not " + type);
        }
    }

    String dataType() {
        return type.dataType;
    }

    String mediaType() {
        return type.mediaType;
    }

    byte[] body() {
        return switch (type) {
            case TEXT -> data.asText().getBytes(StandardCharsets.UTF_8);
            case JSON -> data.toString().getBytes(StandardCharsets.UTF_8);
            case BINARY -> Base64.getDecoder().decode(data.asText());
        };
    }
}
