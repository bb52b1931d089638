package ai.mozaiks.engine;

import ai.mozaiks.workflows.manifest.HandoffRule;
import java.util.List;
import java.util.Objects;

/** What the {@link TurnPlanner} decided for the next step of a chat. */
public sealed interface Decision {

    /** This agent takes the turn. {@code handedOffBy} lists the {@code pre} conditions that routed here, if any. */
    record Speak(String agent, List<String> handedOffBy) implements Decision {
        public Speak {
            Objects.requireNonNull(agent, "agent");
            handedOffBy = List.copyOf(handedOffBy);
        }

        public Speak(String agent) {
            this(agent, List.of());
        }
    }

    /**
     * AutoPattern: the group manager's model picks among {@code candidates}. The executor asks it with
     * {@link RequestBuilder#speakerSelection} and reads the answer with {@link TurnPlanner#parseSelection},
     * then plans again with {@link TurnPlanner#resolve} on the chosen name.
     */
    record SelectSpeaker(List<String> candidates) implements Decision {
        public SelectSpeaker {
            candidates = List.copyOf(candidates);
        }
    }

    /**
     * DefaultPattern, the user just spoke and the user has {@code string_llm} handoffs (the seed's user-driven
     * termination: "when the user approves the concept" → terminate): the model is asked which of their conditions the
     * conversation now meets ({@link RequestBuilder#conditionCheck}); the first met routes to its target, none to
     * {@code otherwise} (the user's after_work, else the agent before the user).
     */
    record CheckConditions(List<HandoffRule> rules, String otherwise) implements Decision {
        public CheckConditions {
            rules = List.copyOf(rules);
            Objects.requireNonNull(otherwise, "otherwise");
        }
    }

    /** The turn goes to the user: wait for input with no compute. */
    record AwaitInput(String reason) implements Decision {
    }

    /** The chat is over. {@code reason}: terminate, max_turns, max_consecutive_auto_reply, no_handoff. */
    record Complete(String reason) implements Decision {
    }
}
