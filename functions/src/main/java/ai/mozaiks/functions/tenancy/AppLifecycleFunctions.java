package ai.mozaiks.functions.tenancy;

import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.tenancy.AppRequests.Suspend;
import ai.mozaiks.tenancy.AppService;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/** Suspend, resume and restore an app. */
public final class AppLifecycleFunctions {
    private final Api api;
    private final AppService apps;

    public AppLifecycleFunctions(Api api, AppService apps) {
        this.api = api;
        this.apps = apps;
    }

    @FunctionName("suspendApp")
    public HttpResponseMessage suspend(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/apps/{app_id}/suspend",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> apps.suspend(call.principal(), appId, call.bodyOr(Suspend.class, new Suspend(null)))
                .map(ApiResult::ok));
    }

    @FunctionName("resumeApp")
    public HttpResponseMessage resume(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/apps/{app_id}/resume",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> apps.resume(call.principal(), appId).map(ApiResult::ok));
    }

    @FunctionName("restoreApp")
    public HttpResponseMessage restore(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/apps/{app_id}/restore",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> apps.restore(call.principal(), appId).map(ApiResult::ok));
    }
}
