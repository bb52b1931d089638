package ai.mozaiks.engine;

import ai.mozaiks.models.ToolCall;
import ai.mozaiks.workflows.manifest.ToolSpec;

import java.util.Map;

/** One call of a workflow tool by an agent, with the chat's context variables (read-only). */
public record ToolInvocation(String appId, String chatId, long stepSeq, String agent, ToolSpec tool, ToolCall call,
                             Map<String, Object> contextVariables) {
}
