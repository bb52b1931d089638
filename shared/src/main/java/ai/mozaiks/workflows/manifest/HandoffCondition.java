package ai.mozaiks.workflows.manifest;

import ai.mozaiks.workflows.expression.ContextExpression;
import java.util.Objects;

/** When a conditional handoff fires. */
public sealed interface HandoffCondition {

    /**
     * A condition over context variables.
     *
     * @param beforeReply {@code condition_scope: pre}: checked before the agent calls its model, handing off
     *     at once; otherwise checked after the agent's turn, in declaration order
     */
    record Context(ContextExpression expression, boolean beforeReply) implements HandoffCondition {
        public Context {
            Objects.requireNonNull(expression, "expression");
        }
    }

    /** A natural-language condition offered to the model as a {@code transfer_to_*} tool. */
    record Llm(String prompt) implements HandoffCondition {
        public Llm {
            Objects.requireNonNull(prompt, "prompt");
        }
    }
}
