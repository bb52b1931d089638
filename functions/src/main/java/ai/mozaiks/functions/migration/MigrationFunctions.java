package ai.mozaiks.functions.migration;

import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.migration.MigrationService;
import ai.mozaiks.migration.MoveStorage;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/** Platform admins move an app's data to another database and watch the move. */
public final class MigrationFunctions {
    private final Api api;
    private final MigrationService migrations;

    public MigrationFunctions(Api api, MigrationService migrations) {
        this.api = api;
        this.migrations = migrations;
    }

    @FunctionName("moveAppStorage")
    public HttpResponseMessage move(
            @HttpTrigger(name = "request", methods = {HttpMethod.PUT}, route = "api/admin/apps/{app_id}/storage",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("app_id") String appId, ExecutionContext context) {
        return api.handle(request, context, call -> migrations.start(call.principal(), appId, call.body(MoveStorage.class))
                .map(migration -> new ApiResult(202, migration, "/api/admin/migrations/" + migration.get("id"))));
    }

    @FunctionName("getMigration")
    public HttpResponseMessage get(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/admin/migrations/{migration_id}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            @BindingName("migration_id") String migrationId, ExecutionContext context) {
        return api.handle(request, context, call -> migrations.get(call.principal(), migrationId).map(ApiResult::ok));
    }
}
