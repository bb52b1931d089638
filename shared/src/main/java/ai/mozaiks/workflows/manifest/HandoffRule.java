package ai.mozaiks.workflows.manifest;

import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@code handoffs.yaml}'s {@code handoff_rules}.
 *
 * @param sourceAgent an agent name, or {@link #USER} for rules on the user's turns
 * @param condition present exactly when this is a {@code condition} rule; an {@code after_work} rule
 *     always applies after the source's turn (the last one of a source wins)
 */
public record HandoffRule(String sourceAgent, HandoffTarget target, Optional<HandoffCondition> condition) {
    public static final String USER = "user";

    public HandoffRule {
        Objects.requireNonNull(sourceAgent, "sourceAgent");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(condition, "condition");
    }

    public boolean isAfterWork() {
        return condition.isEmpty();
    }

    public boolean fromUser() {
        return USER.equals(sourceAgent);
    }
}
