package ai.mozaiks.functions.http;

import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatusType;
import java.util.Map;

/** Maps service results to HTTP responses: JSON bodies and problem+json errors. */
public final class HttpResponses {
    private HttpResponses() {
    }

    public static HttpResponseMessage json(HttpRequestMessage<?> request, int status, Object body) {
        return request.createResponseBuilder(HttpStatusType.custom(status))
                .header("Content-Type", "application/json")
                .header("Cache-Control", "no-store")
                .body(Json.write(body))
                .build();
    }

    public static HttpResponseMessage problem(HttpRequestMessage<?> request, Problem problem) {
        return problem(request, problem, Map.of());
    }

    public static HttpResponseMessage problem(HttpRequestMessage<?> request, Problem problem, Map<String, String> headers) {
        return raw(request, problem.status(), Problem.CONTENT_TYPE, Json.write(problem), headers);
    }

    /** A response whose body, if any, is already serialized. */
    public static HttpResponseMessage raw(HttpRequestMessage<?> request, int status, String contentType, String body,
                                          Map<String, String> headers) {
        HttpResponseMessage.Builder builder = request.createResponseBuilder(HttpStatusType.custom(status))
                .header("Cache-Control", "no-store");
        headers.forEach(builder::header);
        if (body != null) {
            builder.header("Content-Type", contentType).body(body);
        }
        return builder.build();
    }
}
