package ai.mozaiks.functions.appsettings;

import ai.mozaiks.appsettings.AppSettings;
import ai.mozaiks.appsettings.PutSetting;
import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/** An app's own settings, for its admins: list (secret values never shown), set one, delete one. */
public final class AppSettingFunctions {
    private final Api api;
    private final AppSettings settings;

    public AppSettingFunctions(Api api, AppSettings settings) {
        this.api = api;
        this.settings = settings;
    }

    @FunctionName("listAppSettings")
    public HttpResponseMessage list(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/apps/{app_id}/settings",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> settings.list(call.principal(), appId).map(ApiResult::ok));
    }

    @FunctionName("putAppSetting")
    public HttpResponseMessage put(
            @HttpTrigger(name = "request", methods = {HttpMethod.PUT}, route = "api/apps/{app_id}/settings/{name}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, @BindingName("name") String name, ExecutionContext context) {
        return api.handle(request, context, call -> settings.put(call.principal(), appId, name, call.body(PutSetting.class))
                .map(ApiResult::ok));
    }

    @FunctionName("deleteAppSetting")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "request", methods = {HttpMethod.DELETE}, route = "api/apps/{app_id}/settings/{name}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, @BindingName("name") String name, ExecutionContext context) {
        return api.handle(request, context, call -> settings.delete(call.principal(), appId, name).thenReturn(ApiResult.noContent()));
    }
}
