package ai.mozaiks.functions.tenancy;

import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.tenancy.TierGrants;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/** Platform admins (or a billing system holding the admin claim) set the highest tier a tenant's apps may use. */
public final class TenantEntitlementFunctions {
    private final Api api;
    private final TierGrants grants;

    public TenantEntitlementFunctions(Api api, TierGrants grants) {
        this.api = api;
        this.grants = grants;
    }

    @FunctionName("grantTenantEntitlement")
    public HttpResponseMessage grant(
            @HttpTrigger(name = "request", methods = {HttpMethod.PUT}, route = "api/admin/tenants/{tenant_id}/entitlement",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("tenant_id") String tenantId, ExecutionContext context) {
        return api.handle(request, context, call -> grants.grant(call.principal(), tenantId, call.body(TierGrants.Grant.class))
                .map(ApiResult::ok));
    }
}
