package ai.mozaiks.functions.tenancy;

import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.tenancy.TenantRequests.ChangeRole;
import ai.mozaiks.tenancy.TenantRequests.InviteMember;
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

/** Tenant members: list, invite, accept an invitation, change a role, remove. */
public final class MemberFunctions {
    private final Api api;
    private final TenantService tenants;

    public MemberFunctions(Api api, TenantService tenants) {
        this.api = api;
        this.tenants = tenants;
    }

    @FunctionName("listMembers")
    public HttpResponseMessage list(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/tenants/{tenant_id}/members",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("tenant_id") String tenantId, ExecutionContext context) {
        return api.handle(request, context, call -> tenants.members(call.principal(), tenantId, call.page()).map(ApiResult::ok));
    }

    @FunctionName("inviteMember")
    public HttpResponseMessage invite(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/tenants/{tenant_id}/invitations",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("tenant_id") String tenantId, ExecutionContext context) {
        return api.handle(request, context, call -> tenants.invite(call.principal(), tenantId, call.body(InviteMember.class))
                .map(invitation -> new ApiResult(201, invitation, null)));
    }

    @FunctionName("acceptInvitation")
    public HttpResponseMessage accept(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/invitations/{invitation_id}/accept",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("invitation_id") String invitationId, ExecutionContext context) {
        return api.handle(request, context, call -> tenants.accept(call.principal(), invitationId).map(ApiResult::ok));
    }

    @FunctionName("changeMemberRole")
    public HttpResponseMessage changeRole(
            @HttpTrigger(name = "request", methods = {HttpMethod.PATCH}, route = "api/tenants/{tenant_id}/members/{user_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("tenant_id") String tenantId, @BindingName("user_id") String userId, ExecutionContext context) {
        return api.handle(request, context, call -> tenants.changeRole(call.principal(), tenantId, userId, call.body(ChangeRole.class))
                .map(ApiResult::ok));
    }

    @FunctionName("removeMember")
    public HttpResponseMessage remove(
            @HttpTrigger(name = "request", methods = {HttpMethod.DELETE}, route = "api/tenants/{tenant_id}/members/{user_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("tenant_id") String tenantId, @BindingName("user_id") String userId, ExecutionContext context) {
        return api.handle(request, context, call -> tenants.removeMember(call.principal(), tenantId, userId)
                .thenReturn(ApiResult.noContent()));
    }
}
