package ai.mozaiks.packs;

import ai.mozaiks.http.Problem;
import ai.mozaiks.tenancy.Tier;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.AgentSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * How much one workflow of a published pack may ask the platform to run, checked at publish after the manifests
 * load: each limit exceeded is one error naming the file and field. The loader itself limits every workflow's
 * files and agents ({@link ai.mozaiks.workflows.WorkflowLoader#MAX_AGENTS}); the bundle's file count and size are
 * checked before anything is read ({@link PackRequests}); {@code max_turns} is capped by the app's tier, here and
 * again when a chat runs ({@link TierTurns}).
 */
final class PackLimits {
    static final int MAX_TOOLS = 64;
    static final int MAX_HANDOFF_RULES = 128;
    static final int MAX_CONTEXT_VARIABLES = 128;
    static final int MAX_STRUCTURED_OUTPUTS = 64;
    /** Characters of one agent's system message as the model receives it (its prompt sections, joined). */
    static final int MAX_PROMPT_CHARS = 32_000;

    private PackLimits() {
    }

    /** The limits {@code workflow} exceeds, as errors of the publish request's {@code files} field. */
    static List<Problem.FieldError> check(Workflow workflow, Tier tier) {
        List<Problem.FieldError> errors = new ArrayList<>();
        String files = "files." + workflow.name() + "/";
        count(errors, files + "tools.yaml", "tools", workflow.tools().tools().size() + workflow.tools().lifecycleTools().size(),
                MAX_TOOLS);
        count(errors, files + "handoffs.yaml", "handoff_rules", workflow.handoffs().size(), MAX_HANDOFF_RULES);
        count(errors, files + "context_variables.yaml", "definitions", workflow.contextVariables().definitions().size(),
                MAX_CONTEXT_VARIABLES);
        count(errors, files + "structured_outputs.yaml", "models", workflow.structuredOutputs().models().size(),
                MAX_STRUCTURED_OUTPUTS);
        for (int i = 0; i < workflow.agents().size(); i++) {
            AgentSpec agent = workflow.agents().get(i);
            int length = agent.prompt().length();
            if (length > MAX_PROMPT_CHARS) {
                errors.add(new Problem.FieldError(files + "agents.yaml", "agents[" + i + "]: the system message of " + agent.name()
                        + " has " + length + " characters; at most " + MAX_PROMPT_CHARS + " are allowed"));
            }
        }
        int turns = workflow.orchestrator().maxTurns();
        if (turns > tier.maxTurns()) {
            errors.add(new Problem.FieldError(files + "orchestrator.yaml", "max_turns: " + turns + " is more than the "
                    + tier.name() + " tier allows (" + tier.maxTurns() + ")"));
        }
        return errors;
    }

    private static void count(List<Problem.FieldError> errors, String file, String field, int count, int limit) {
        if (count > limit) {
            errors.add(new Problem.FieldError(file, field + ": has " + count + " entries; at most " + limit + " are allowed"));
        }
    }
}
