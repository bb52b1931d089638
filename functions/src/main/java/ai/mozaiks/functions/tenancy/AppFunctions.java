package ai.mozaiks.functions.tenancy;

import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.tenancy.AppRequests.CreateApp;
import ai.mozaiks.tenancy.AppRequests.UpdateApp;
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

/** Apps: create in a tenant, list a tenant's, read, change, delete (soft). */
public final class AppFunctions {
    private final Api api;
    private final AppService apps;

    public AppFunctions(Api api, AppService apps) {
        this.api = api;
        this.apps = apps;
    }

    @FunctionName("createApp")
    public HttpResponseMessage create(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/tenants/{tenant_id}/apps",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("tenant_id") String tenantId, ExecutionContext context) {
        return api.handle(request, context, call -> apps.create(call.principal(), tenantId, call.body(CreateApp.class))
                .map(app -> ApiResult.created("/api/apps/" + app.id(), app)));
    }

    @FunctionName("listApps")
    public HttpResponseMessage list(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/tenants/{tenant_id}/apps",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("tenant_id") String tenantId, ExecutionContext context) {
        return api.handle(request, context, call -> apps.list(call.principal(), tenantId, call.query("status"), call.page())
                .map(ApiResult::ok));
    }

    @FunctionName("getApp")
    public HttpResponseMessage get(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/apps/{app_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> apps.get(call.principal(), appId).map(ApiResult::ok));
    }

    @FunctionName("updateApp")
    public HttpResponseMessage update(
            @HttpTrigger(name = "request", methods = {HttpMethod.PATCH}, route = "api/apps/{app_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> apps.update(call.principal(), appId, call.body(UpdateApp.class)).map(ApiResult::ok));
    }

    @FunctionName("deleteApp")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "request", methods = {HttpMethod.DELETE}, route = "api/apps/{app_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> apps.delete(call.principal(), appId).map(ApiResult::ok));
    }
}
