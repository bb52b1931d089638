package ai.mozaiks.engine;

import com.fasterxml.jackson.databind.JsonNode;
import reactor.core.publisher.Mono;

import java.util.Map;

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

    /**
     * Java tools by name: a tool of {@code tools.yaml} is found by its implementation's class name,
     * else by its function name.
     */
    static ToolRegistry of(Map<String, JavaTool> tools) {
        Map<String, JavaTool> byName = Map.copyOf(tools);
        return invocation -> {
            JavaTool tool = invocation.tool().implementation()
                    .filter(ai.mozaiks.workflows.manifest.ToolImplementation.JavaClass.class::isInstance)
                    .map(impl -> byName.get(((ai.mozaiks.workflows.manifest.ToolImplementation.JavaClass) impl).className()))
                    .orElseGet(() -> byName.get(invocation.tool().name()));
            if (tool == null) {
                return Mono.error(new IllegalStateException("no Java tool registered for " + invocation.tool().name()));
            }
            return Mono.defer(() -> tool.call(invocation));
        };
    }
}
