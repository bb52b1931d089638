package ai.mozaiks.functions.tenancy;

import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.packs.PackRequests.PublishPack;
import ai.mozaiks.packs.PackRequests.SetPack;
import ai.mozaiks.packs.PackService;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Map;
import java.util.Optional;

/** An app's workflows and packs: what it offers, checking and publishing a pack, turning packs on and off. */
public final class PackFunctions {
    private final Api api;
    private final PackService packs;

    public PackFunctions(Api api, PackService packs) {
        this.api = api;
        this.packs = packs;
    }

    @FunctionName("listAppWorkflows")
    public HttpResponseMessage workflows(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/apps/{app_id}/workflows",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> packs.availability(call.principal(), appId)
                .map(items -> ApiResult.ok(Map.of("items", items))));
    }

    @FunctionName("publishPack")
    public HttpResponseMessage publish(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/apps/{app_id}/packs",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> packs.publish(call.principal(), appId, call.body(PublishPack.class))
                .map(pack -> new ApiResult(201, pack, null)));
    }

    @FunctionName("checkPack")
    public HttpResponseMessage check(
            @HttpTrigger(name = "request", methods = {HttpMethod.POST}, route = "api/apps/{app_id}/packs/check",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> packs.check(call.principal(), appId, call.body(PublishPack.class))
                .map(ApiResult::ok));
    }

    @FunctionName("setPack")
    public HttpResponseMessage set(
            @HttpTrigger(name = "request", methods = {HttpMethod.PUT}, route = "api/apps/{app_id}/packs/{pack_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, @BindingName("pack_id") String packId, ExecutionContext context) {
        return api.handle(request, context, call -> packs.set(call.principal(), appId, packId, call.body(SetPack.class))
                .map(ApiResult::ok));
    }
}
