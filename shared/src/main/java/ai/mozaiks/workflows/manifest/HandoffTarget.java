package ai.mozaiks.workflows.manifest;

import java.util.Objects;

/** Where a handoff goes: AG2's {@code AgentTarget}, {@code RevertToUserTarget} or {@code TerminateTarget}. */
public sealed interface HandoffTarget {

    record Agent(String name) implements HandoffTarget {
        public Agent {
            Objects.requireNonNull(name, "name");
        }
    }

    record User() implements HandoffTarget {
    }

    record Terminate() implements HandoffTarget {
    }
}
