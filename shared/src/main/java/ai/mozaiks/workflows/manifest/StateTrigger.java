package ai.mozaiks.workflows.manifest;

import java.util.Objects;
import java.util.Optional;

/** What sets a {@code state} variable (to true, for agent text; to the response value, for a UI tool). */
public sealed interface StateTrigger {

    /** @param uiHidden the matching message is also kept out of the UI (e.g. a bare sentinel line) */
    record AgentText(String agent, TextMatch match, boolean uiHidden) implements StateTrigger {
        public AgentText {
            Objects.requireNonNull(agent, "agent");
            Objects.requireNonNull(match, "match");
        }
    }

    /** @param responseKey the field of the UI tool's response to take; absent means the whole response */
    record UiResponse(String tool, Optional<String> responseKey) implements StateTrigger {
        public UiResponse {
            Objects.requireNonNull(tool, "tool");
            Objects.requireNonNull(responseKey, "responseKey");
        }
    }
}
