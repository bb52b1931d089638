package ai.mozaiks.engine;

import ai.mozaiks.workflows.manifest.ToolImplementation;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * The port through which the engine runs an agent's tool calls. A call's result is recorded before
 * the step commits; a redelivered step reuses it and never calls the tool again.
 */
public interface ToolRegistry {

    /** Runs the call; an error becomes the tool's answer to the model ({@code {"error": ...}}), recorded like a result. */
    Mono<JsonNode> call(ToolInvocation invocation);

    /** A Java tool. */
    @FunctionalInterface
    interface JavaTool {
        Mono<JsonNode> call(ToolInvocation invocation);
    }

    /** Runs tools declared with an HTTP endpoint. */
    @FunctionalInterface
    interface HttpTools {
        Mono<JsonNode> call(ToolInvocation invocation, ToolImplementation.Http endpoint);
    }

    /** Java tools only: a tool declared with an HTTP endpoint is answered with an error. */
    static ToolRegistry of(Map<String, JavaTool> tools) {
        return of(tools, (invocation, endpoint) ->
                Mono.error(new IllegalStateException("HTTP tools are not enabled; " + invocation.tool().name() + " cannot run")));
    }

    /**
     * Java tools by name — a tool of {@code tools.yaml} is found by its implementation's class name, else by its
     * function name — and tools with an HTTP endpoint through {@code http}.
     */
    static ToolRegistry of(Map<String, JavaTool> tools, HttpTools http) {
        Map<String, JavaTool> byName = Map.copyOf(tools);
        return invocation -> {
            Optional<ToolImplementation> implementation = invocation.tool().implementation();
            if (implementation.isPresent() && implementation.get() instanceof ToolImplementation.Http endpoint) {
                return Mono.defer(() -> http.call(invocation, endpoint));
            }
            JavaTool tool = implementation
                    .filter(ToolImplementation.JavaClass.class::isInstance)
                    .map(impl -> byName.get(((ToolImplementation.JavaClass) impl).className()))
                    .orElseGet(() -> byName.get(invocation.tool().name()));
            if (tool == null) {
                return Mono.error(new IllegalStateException("no Java tool registered for " + invocation.tool().name()));
            }
            return Mono.defer(() -> tool.call(invocation));
        };
    }
}
