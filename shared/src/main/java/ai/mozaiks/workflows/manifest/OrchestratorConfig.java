package ai.mozaiks.workflows.manifest;

import java.util.Objects;
import java.util.Optional;

/**
 * {@code orchestrator.yaml}: how a workflow runs.
 *
 * @param workflowName the display name the manifest gives; the folder name is the workflow's id
 * @param maxTurns AG2 {@code max_rounds}
 * @param initialAgent the first speaker; absent means the first agent of agents.yaml
 * @param initialMessage seeded as the user's first message
 * @param initialMessageToUser the seed when {@code initialMessage} is absent
 * @param entryPoint activates when the app loads (at most one per app)
 * @param pack the pack this workflow belongs to; absent means a pack of its own
 * @param doubleTexting what a message sent while a turn runs does ({@code double_texting}; default enqueue)
 */
public record OrchestratorConfig(
        Optional<String> workflowName,
        int maxTurns,
        boolean humanInTheLoop,
        StartupMode startupMode,
        OrchestrationPattern orchestrationPattern,
        Optional<String> initialAgent,
        Optional<String> initialMessage,
        Optional<String> initialMessageToUser,
        boolean entryPoint,
        Optional<String> pack,
        DoubleTexting doubleTexting) {

    public static final int DEFAULT_MAX_TURNS = 50;

    public OrchestratorConfig {
        Objects.requireNonNull(workflowName, "workflowName");
        Objects.requireNonNull(startupMode, "startupMode");
        Objects.requireNonNull(orchestrationPattern, "orchestrationPattern");
        Objects.requireNonNull(initialAgent, "initialAgent");
        Objects.requireNonNull(initialMessage, "initialMessage");
        Objects.requireNonNull(initialMessageToUser, "initialMessageToUser");
        Objects.requireNonNull(pack, "pack");
        Objects.requireNonNull(doubleTexting, "doubleTexting");
        if (maxTurns < 1) {
            throw new IllegalArgumentException("maxTurns must be at least 1");
        }
    }

    /** Without {@code double_texting}: the default policy, {@link DoubleTexting#ENQUEUE}. */
    public OrchestratorConfig(Optional<String> workflowName, int maxTurns, boolean humanInTheLoop, StartupMode startupMode,
                              OrchestrationPattern orchestrationPattern, Optional<String> initialAgent,
                              Optional<String> initialMessage, Optional<String> initialMessageToUser, boolean entryPoint,
                              Optional<String> pack) {
        this(workflowName, maxTurns, humanInTheLoop, startupMode, orchestrationPattern, initialAgent, initialMessage,
                initialMessageToUser, entryPoint, pack, DoubleTexting.ENQUEUE);
    }

    /** The message that opens a new chat, if any. */
    public Optional<String> seedMessage() {
        return initialMessage.or(() -> initialMessageToUser);
    }
}
