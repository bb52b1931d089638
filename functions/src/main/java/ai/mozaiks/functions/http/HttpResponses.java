package ai.mozaiks.functions.http;

import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatusType;

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
        return request.createResponseBuilder(HttpStatusType.custom(problem.status()))
                .header("Content-Type", Problem.CONTENT_TYPE)
                .header("Cache-Control", "no-store")
                .body(Json.write(problem))
                .build();
    }
}
