package ai.mozaiks.engine;

import ai.mozaiks.models.ToolCall;
import ai.mozaiks.workflows.manifest.ToolSpec;

import java.util.Map;

/**
 * One call of a workflow tool by an agent, with the chat's context variables (read-only: a tool sets variables by its
 * answer's {@code context_updates}, {@link ToolRound}). {@code callIndex} is the call's place among the reply's tool calls.
 */
public record ToolInvocation(String appId, String chatId, long stepSeq, String agent, ToolSpec tool, ToolCall call,
                             int callIndex, Map<String, Object> contextVariables) {

    /**
     * The call's idempotency key, {@code <app>:<chat>:<step>:<call index>}: the same on every attempt of the step (a
     * redelivered step answers the reply its first attempt recorded), so a tool with side effects can recognise the
     * one repeat the platform can make, a crash after the call and before its result was recorded.
     */
    public String idempotencyKey() {
        return appId + ":" + chatId + ":" + stepSeq + ":" + callIndex;
    }
}
