package ai.mozaiks.functions.http;

/** What an endpoint answers when it succeeds: a status, a body to write as JSON, and a Location for creations. */
public record ApiResult(int status, Object body, String location) {

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
