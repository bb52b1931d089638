package ai.mozaiks.models;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * Turns an error answer of a chat-completions endpoint (OpenAI or Azure OpenAI, by REST or SDK)
 * into a {@link ModelException}, so every provider reports failures the same way.
 */
public final class HttpFailure {
    private static final ObjectReader MAPPER = Json.firstValue();
    private static final int MAX_MESSAGE = 500;

    private HttpFailure() {
    }

    /**
     * @param header the response's headers by (case-insensitive) name, {@code null} when absent
     * @param body   the response body, possibly empty
     */
    public static ModelException of(String requestId, int status, Function<String, String> header, String body,
                                    Clock clock) {
        JsonNode error = errorObject(body);
        String code = text(error, "code");
        if (code == null) {
            code = text(error, "type");
        }
        String detail = text(error, "message");
        if (detail == null) {
            detail = body == null || body.isBlank() ? "no details" : body.strip();
        }
        if (detail.length() > MAX_MESSAGE) {
            detail = detail.substring(0, MAX_MESSAGE) + "...";
        }
        ModelException.Kind kind = kind(status);
        Duration retryAfter = kind == ModelException.Kind.RATE_LIMITED || status == 503
                ? retryAfter(header, clock) : null;
        return new ModelException(kind, requestId, "HTTP " + status + ": " + detail, status, code, retryAfter, null);
    }

    public static ModelException.Kind kind(int status) {
        if (status == 429) {
            return ModelException.Kind.RATE_LIMITED;
        }
        if (status == 401 || status == 403) {
            return ModelException.Kind.AUTH;
        }
        if (status == 408) {
            return ModelException.Kind.TIMEOUT;
        }
        if (status >= 500) {
            return ModelException.Kind.UNAVAILABLE;
        }
        return ModelException.Kind.BAD_REQUEST;
    }

    /**
     * How long the provider asked to wait: {@code retry-after-ms} (Azure OpenAI, OpenAI) wins over
     * {@code Retry-After}, which is seconds or an HTTP date. {@code null} when absent or malformed.
     */
    public static Duration retryAfter(Function<String, String> header, Clock clock) {
        String millis = header.apply("retry-after-ms");
        if (millis != null) {
            try {
                return Duration.ofMillis(Math.max(0, Math.round(Double.parseDouble(millis.strip()))));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        String value = header.apply("retry-after");
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip())));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(clock.instant(), at.toInstant());
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException malformed) {
                return null;
            }
        }
    }

    /** {@code {"error": {...}}} as OpenAI and Azure answer; {@code null} for any other body. */
    static JsonNode errorObject(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode error = MAPPER.readTree(body).path("error");
            return error.isObject() ? error : null;
        } catch (java.io.IOException notJson) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
