package ai.mozaiks.functions.health;

import ai.mozaiks.functions.http.HttpResponses;
import ai.mozaiks.health.HealthReport;
import ai.mozaiks.health.HealthService;
import ai.mozaiks.logging.InvocationLog;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.time.Duration;
import java.util.Optional;

/** {@code GET /api/health}: 200 when every dependency answers, 503 naming the one that did not. */
public final class HealthFunction {
    private final HealthService health;
    private final Duration deadline;

    public HealthFunction(HealthService health, Duration deadline) {
        this.health = health;
        this.deadline = deadline;
    }

    @FunctionName("health")
    public HttpResponseMessage run(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/health",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        HealthReport report = health.check().block(deadline);
        if (!report.healthy()) {
            InvocationLog.of(context.getLogger(), context.getInvocationId()).warn("health degraded", "failing", report.failing());
        }
        return HttpResponses.json(request, report.healthy() ? 200 : 503, report.toJson());
    }
}
