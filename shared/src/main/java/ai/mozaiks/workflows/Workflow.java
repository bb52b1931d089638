package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.AgentSpec;
import ai.mozaiks.workflows.manifest.ContextVariables;
import ai.mozaiks.workflows.manifest.FanOut;
import ai.mozaiks.workflows.manifest.HandoffRule;
import ai.mozaiks.workflows.manifest.HookSpec;
import ai.mozaiks.workflows.manifest.OrchestratorConfig;
import ai.mozaiks.workflows.manifest.StructuredOutputs;
import ai.mozaiks.workflows.manifest.UiConfig;
import ai.mozaiks.workflows.manifest.WorkflowTools;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated workflow: the manifests of {@code workflows/<name>/}, every cross-reference resolved.
 *
 * @param name the folder (or bundle) name, the workflow's id; looked up case-insensitively
 * @param pack {@code orchestrator.yaml}'s {@code pack}, or the workflow's own name
 * @param agents in manifest order; never empty
 * @param fanOuts where the workflow waits for child workflows ({@code _pack/workflow_graph.json})
 */
public record Workflow(
        String name,
        String pack,
        OrchestratorConfig orchestrator,
        List<AgentSpec> agents,
        List<HandoffRule> handoffs,
        ContextVariables contextVariables,
        StructuredOutputs structuredOutputs,
        WorkflowTools tools,
        List<HookSpec> hooks,
        UiConfig ui,
        List<FanOut> fanOuts) {

    public Workflow {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pack, "pack");
        Objects.requireNonNull(orchestrator, "orchestrator");
        agents = List.copyOf(agents);
        if (agents.isEmpty()) {
            throw new IllegalArgumentException("a workflow needs at least one agent");
        }
        handoffs = List.copyOf(handoffs);
        Objects.requireNonNull(contextVariables, "contextVariables");
        Objects.requireNonNull(structuredOutputs, "structuredOutputs");
        Objects.requireNonNull(tools, "tools");
        hooks = List.copyOf(hooks);
        Objects.requireNonNull(ui, "ui");
        fanOuts = List.copyOf(fanOuts);
    }

    public Optional<AgentSpec> agent(String agentName) {
        return agents.stream().filter(agent -> agent.name().equals(agentName)).findFirst();
    }

    /** This workflow with {@code max_turns} lowered to {@code cap} when it is higher (an app's tier caps it). */
    public Workflow withMaxTurnsAtMost(int cap) {
        OrchestratorConfig current = orchestrator;
        if (current.maxTurns() <= cap) {
            return this;
        }
        OrchestratorConfig capped = new OrchestratorConfig(current.workflowName(), cap, current.humanInTheLoop(),
                current.startupMode(), current.orchestrationPattern(), current.initialAgent(), current.initialMessage(),
                current.initialMessageToUser(), current.entryPoint(), current.pack(), current.doubleTexting());
        return new Workflow(name, pack, capped, agents, handoffs, contextVariables, structuredOutputs, tools, hooks, ui, fanOuts);
    }

    /** The first speaker: {@code initial_agent}, or the first agent of agents.yaml. */
    public String initialAgent() {
        return orchestrator.initialAgent().orElse(agents.get(0).name());
    }

    /** The fan-out {@code agent}'s structured output starts, if any ({@code _pack/workflow_graph.json}). */
    public Optional<FanOut> fanOutFor(String agent) {
        return fanOuts.stream().filter(fanOut -> fanOut.triggerAgent().equals(agent)).findFirst();
    }

    /** The rules of one source (an agent, or {@link HandoffRule#USER}), in manifest order. */
    public List<HandoffRule> handoffsFrom(String source) {
        return handoffs.stream().filter(rule -> rule.sourceAgent().equals(source)).toList();
    }
}
