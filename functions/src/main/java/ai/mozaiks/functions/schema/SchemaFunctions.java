package ai.mozaiks.functions.schema;

import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.http.ApiResult;
import ai.mozaiks.schema.Schema;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/**
 * The deploy step for the databases: platform admins make every declared collection and index (PUT, once per
 * deployment; idempotent) or only see the drift (GET).
 */
public final class SchemaFunctions {
    private final Api api;
    private final Schema schema;

    public SchemaFunctions(Api api, Schema schema) {
        this.api = api;
        this.schema = schema;
    }

    @FunctionName("ensureSchema")
    public HttpResponseMessage ensure(
            @HttpTrigger(name = "request", methods = {HttpMethod.PUT}, route = "api/admin/schema",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return api.handle(request, context, call -> schema.ensure(call.principal()).map(ApiResult::ok));
    }

    @FunctionName("checkSchema")
    public HttpResponseMessage check(
            @HttpTrigger(name = "request", methods = {HttpMethod.GET}, route = "api/admin/schema",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return api.handle(request, context, call -> schema.check(call.principal()).map(ApiResult::ok));
    }
}
