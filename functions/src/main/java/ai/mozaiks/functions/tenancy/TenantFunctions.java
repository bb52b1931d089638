package ai.mozaiks.functions.tenancy;

import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.tenancy.TenantRequests.CreateTenant;
import ai.mozaiks.tenancy.TenantService;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/** {@code /api/tenants}: create, list the caller's, read one. */
public final class TenantFunctions {
    private final Api api;
    private final TenantService tenants;

    public TenantFunctions(Api api, TenantService tenants) {
        this.api = api;
        this.tenants = tenants;
    }

    @FunctionName("createTenant")
    public HttpResponseMessage create(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/tenants",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return api.handle(request, context, call -> tenants.create(call.principal(), call.body(CreateTenant.class))
                .map(tenant -> ApiResult.created("/api/tenants/" + tenant.id(), tenant)));
    }

    @FunctionName("listTenants")
    public HttpResponseMessage list(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/tenants",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return api.handle(request, context, call -> tenants.listMine(call.principal(), call.page()).map(ApiResult::ok));
    }

    @FunctionName("getTenant")
    public HttpResponseMessage get(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/tenants/{tenant_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("tenant_id") String tenantId, ExecutionContext context) {
        return api.handle(request, context, call -> tenants.get(call.principal(), tenantId).map(ApiResult::ok));
    }
}
