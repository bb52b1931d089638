package ai.mozaiks.functions.http;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.IdempotencyStore.StoredResponse;
import ai.mozaiks.api.IdempotencyStore;
import ai.mozaiks.broker.RuntimeTokens;
import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.AuthenticationException;
import ai.mozaiks.identity.BearerTokenValidator;
import ai.mozaiks.identity.IdentityProviderUnavailableException;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.logging.InvocationLog;
import ai.mozaiks.persistence.DatabaseErrors;
import ai.mozaiks.persistence.DatabaseRetry;
import ai.mozaiks.persistence.SchemaNotInPlace;
import ai.mozaiks.realtime.UpstreamAuth;
import ai.mozaiks.storage.StorageErrors;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The edge of every authenticated endpoint: authenticates the bearer token, runs the endpoint,
 * honours {@code Idempotency-Key} on POSTs, and maps every failure to a problem document.
 * Blocking happens here and only here, with a deadline.
 */
public final class Api {
    private static final String JSON = "application/json";
    /** The {@code Retry-After} of a 503 for a database that is away (no server, timed out). */
    static final Duration DATABASE_RETRY_AFTER = Duration.ofSeconds(5);

    private final BearerTokenValidator tokens;
    private final RuntimeTokens runtimeTokens;
    private final UpstreamAuth upstream;
    private final IdempotencyStore idempotency;
    private final Duration deadline;

    public Api(BearerTokenValidator tokens, RuntimeTokens runtimeTokens, UpstreamAuth upstream, IdempotencyStore idempotency,
               Duration deadline) {
        this.tokens = tokens;
        this.runtimeTokens = runtimeTokens;
        this.upstream = upstream;
        this.idempotency = idempotency;
        this.deadline = deadline;
    }

    /** An endpoint called with the user's own bearer token. */
    public HttpResponseMessage handle(HttpRequestMessage<Optional<String>> request, ExecutionContext context,
                                      Function<ApiCall, Mono<ApiResult>> endpoint) {
        return respond(request, context, endpoint, () ->
                new ApiCall(request, tokens.authenticate(header(request, "authorization")).block(deadline), null));
    }

    /** A runtime endpoint of one chat, called with the runtime token the session broker issued for it. */
    public HttpResponseMessage handleChat(HttpRequestMessage<Optional<String>> request, ExecutionContext context, String chatId,
                                          Function<ApiCall, Mono<ApiResult>> endpoint) {
        return respond(request, context, endpoint, () ->
                new ApiCall(request, null, runtimeTokens.verify(header(request, "authorization"), chatId)));
    }

    /**
     * A call of Azure Web PubSub to the upstream handler, signed with the service's access key. For an event of an
     * established connection the call's grant is the connection's chat; a {@code connect} has none yet.
     */
    public HttpResponseMessage handleUpstream(HttpRequestMessage<Optional<String>> request, ExecutionContext context,
                                              boolean connecting, Function<ApiCall, Mono<ApiResult>> endpoint) {
        return respond(request, context, endpoint, () -> {
            upstream.verify(header(request, "ce-connectionId"), header(request, "ce-signature"));
            return new ApiCall(request, null, connecting ? null : UpstreamAuth.chatOf(header(request, "ce-connectionState")));
        });
    }

    private HttpResponseMessage respond(HttpRequestMessage<Optional<String>> request, ExecutionContext context,
                                        Function<ApiCall, Mono<ApiResult>> endpoint, java.util.function.Supplier<ApiCall> authenticate) {
        InvocationLog log = InvocationLog.of(context.getLogger(), context.getInvocationId());
        Map<String, String> headers = new HashMap<>();
        StoredResponse response;
        try {
            ApiCall call = authenticate.get();
            String key = header(request, "idempotency-key");
            if (request.getHttpMethod() == HttpMethod.POST && key != null) {
                response = once(request, call, key, () -> run(endpoint, call, headers), headers);
            } else {
                response = run(safe(request, endpoint), call, headers);
            }
        } catch (AuthenticationException e) {
            // RFC 6750 §3.1: no error code when the request carried no credentials at all.
            headers.put("WWW-Authenticate", e.reason() == AuthenticationException.Reason.MISSING_TOKEN ? "Bearer"
                    : "Bearer error=\"invalid_token\", error_description=\"" + e.code() + "\"");
            response = problem(Problem.of(401, "unauthenticated", "Unauthenticated", e.getMessage()));
        } catch (ApiException e) {
            headers.putAll(e.headers());
            response = problem(e.problem());
        } catch (IdentityProviderUnavailableException e) {
            // Our outage, not the caller's fault: a retry may well succeed.
            headers.put("Retry-After", "5");
            response = problem(Problem.of(503, "identity_provider_unavailable", "Temporarily unavailable",
                    "Tokens cannot be checked right now; retry shortly."));
        } catch (RuntimeException e) {
            Optional<ApiException> busy = dependencyBusy(e);
            if (busy.isPresent()) {
                log.warn("database busy", "method", request.getHttpMethod(), "path", request.getUri().getPath(),
                        "error", String.valueOf(e.getMessage()));
                headers.putAll(busy.get().headers());
                response = problem(busy.get().problem());
            } else {
                log.error("request failed", e, "method", request.getHttpMethod(), "path", request.getUri().getPath());
                response = problem(Problem.internal());
            }
        }
        if (response.location() != null) {
            headers.put("Location", response.location());
        }
        return HttpResponses.raw(request, response.status(), response.contentType(), response.body(), headers);
    }

    /**
     * A GET changes nothing, so the whole endpoint is run again, briefly, when the database throttled it
     * ({@link DatabaseRetry}); any other method is answered 503 and left for its caller to repeat.
     */
    private static Function<ApiCall, Mono<ApiResult>> safe(HttpRequestMessage<Optional<String>> request,
                                                          Function<ApiCall, Mono<ApiResult>> endpoint) {
        if (request.getHttpMethod() != HttpMethod.GET && request.getHttpMethod() != HttpMethod.HEAD) {
            return endpoint;
        }
        return call -> DatabaseRetry.throttled(Mono.defer(() -> endpoint.apply(call)));
    }

    private StoredResponse run(Function<ApiCall, Mono<ApiResult>> endpoint, ApiCall call, Map<String, String> headers) {
        try {
            ApiResult result = endpoint.apply(call).block(deadline);
            headers.putAll(result.headers());
            return new StoredResponse(result.status(), result.body() == null ? null : JSON,
                    result.body() == null ? null : Json.write(result.body()), result.location());
        } catch (ApiException e) {
            if (e.problem().status() >= 500) {
                throw e;
            }
            // The client's own mistake: final, and kept for a retry with the same key (its headers, such as
            // Retry-After, go with this answer).
            headers.putAll(e.headers());
            return problem(e.problem());
        }
    }

    /** Runs the endpoint once per key: a retry with the same key and body gets the kept response. */
    private StoredResponse once(HttpRequestMessage<Optional<String>> request, ApiCall call, String key,
                                java.util.function.Supplier<StoredResponse> endpoint, Map<String, String> headers) {
        if (key.isBlank() || key.length() > 255) {
            throw ApiException.invalid("Idempotency-Key", "must be 1 to 255 characters");
        }
        String caller = call.hasPrincipal() ? call.principal().issuer() + "|" + call.principal().userId()
                : "runtime|" + call.grant().appId() + "|" + call.grant().userId();
        String scope = caller + "|POST|" + request.getUri().getPath();
        IdempotencyStore.Claim claim = idempotency.claim(scope, key, request.getBody().orElse("")).block(deadline);
        if (!claim.fresh()) {
            headers.put("Idempotency-Replayed", "true");
            return claim.replay();
        }
        try {
            StoredResponse response = endpoint.get();
            idempotency.complete(claim, response).block(deadline);
            return response;
        } catch (RuntimeException e) {
            idempotency.release(claim).onErrorResume(ignored -> Mono.empty()).block(deadline);
            throw e;
        }
    }

    /**
     * A dependency failure that waiting cures is ours, not the caller's: 503 with {@code Retry-After}, never 500. That is
     * a database throttled past the brief retry of the operation itself, timed out or away ({@link DatabaseErrors}; the
     * wait the database asked for, in whole seconds, or {@link #DATABASE_RETRY_AFTER}), storage not answering
     * ({@link StorageErrors}), or an app's runtime collections not all made ({@link SchemaNotInPlace}). The caller
     * repeats the request; a POST with an {@code Idempotency-Key} has its key released, so the repeat runs it.
     */
    static Optional<ApiException> dependencyBusy(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SchemaNotInPlace) {
                return Optional.of(ApiException.unavailable("runtime_schema_unavailable",
                        "The app's data store is not ready; retry shortly.", (int) DATABASE_RETRY_AFTER.toSeconds()));
            }
        }
        if (DatabaseErrors.classify(error).isEmpty() && StorageErrors.isTransient(error)) {
            return Optional.of(ApiException.unavailable("storage_unavailable",
                    "Storage is not answering right now; retry shortly.", (int) DATABASE_RETRY_AFTER.toSeconds()));
        }
        return DatabaseErrors.classify(error).map(failure -> {
            boolean throttled = failure.kind() == DatabaseErrors.Kind.THROTTLED;
            long seconds = failure.retryAfter().map(wait -> (wait.toMillis() + 999) / 1000)
                    .orElse(throttled ? 1L : DATABASE_RETRY_AFTER.toSeconds());
            return ApiException.unavailable(throttled ? "database_throttled" : "database_unavailable",
                    throttled ? "The database is busy; retry shortly." : "The database is not answering right now; retry shortly.",
                    (int) Math.max(1, Math.min(seconds, 60)));
        });
    }

    private static StoredResponse problem(Problem problem) {
        return new StoredResponse(problem.status(), Problem.CONTENT_TYPE, Json.write(problem), null);
    }

    /** A request header, by name in any case (the Functions host lower-cases them). */
    public static String header(HttpRequestMessage<?> request, String name) {
        for (Map.Entry<String, String> header : request.getHeaders().entrySet()) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }
}
