package ai.mozaiks.functions.http;

import java.util.Map;

/**
 * What an endpoint answers when it succeeds: a status, a body to write as JSON, a Location for creations, and any
 * other response headers (not kept for idempotent replays).
 */
public record ApiResult(int status, Object body, String location, Map<String, String> headers) {

    public ApiResult {
        headers = Map.copyOf(headers);
    }

    public ApiResult(int status, Object body, String location) {
        this(status, body, location, Map.of());
    }

    public static ApiResult ok(Object body) {
        return new ApiResult(200, body, null);
    }

    public static ApiResult created(String location, Object body) {
        return new ApiResult(201, body, location);
    }

    public static ApiResult noContent() {
        return new ApiResult(204, null, null);
    }
}
