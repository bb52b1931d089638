package ai.mozaiks.engine;

import ai.mozaiks.http.Json;
import ai.mozaiks.models.AssistantMessage;
import ai.mozaiks.models.ChatMessage;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.ResponseFormat;
import ai.mozaiks.models.ToolDefinition;
import ai.mozaiks.models.ToolMessage;
import ai.mozaiks.models.UserMessage;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.AgentSpec;
import ai.mozaiks.workflows.manifest.HandoffCondition;
import ai.mozaiks.workflows.manifest.HandoffRule;
import ai.mozaiks.workflows.manifest.ToolSpec;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link ModelRequest} of an agent's turn:
 * <ul>
 *   <li>system message: the agent's prompt sections, then its exposed context variables
 *       ({@link ContextState#exposure});</li>
 *   <li>history: the recent messages; an assistant message keeps its speaker's {@code name}; hidden
 *       messages are sent too (they are hidden from the UI only);</li>
 *   <li>tools: the agent's tools of {@code tools.yaml} (Agent_Tool and UI_Tool; none in
 *       {@code auto_tool_mode}), with their JSON-Schema parameters or an empty object schema, then one
 *       {@code transfer_to_<target>} tool per {@code string_llm} handoff of the agent (DefaultPattern);</li>
 *   <li>response format: the agent's structured-output model, strict.</li>
 * </ul>
 */
public final class RequestBuilder {
    public static final String TRANSFER_PREFIX = "transfer_to_";
    public static final String SPEAKER_SELECTOR = "speaker_selector";
    /** The name a user's handoff conditions are checked under (its usage and journal entry). */
    public static final String CONDITION_CHECKER = "condition_checker";
    private static final ObjectMapper JSON = Json.mapper();

    private final String model;

    /** @param model the model (deployment) name every request names */
    public RequestBuilder(String model) {
        this.model = model;
    }

    public ModelRequest build(Workflow workflow, String agentName, ConversationState state, String requestId) {
        AgentSpec agent = workflow.agent(agentName)
                .orElseThrow(() -> new IllegalArgumentException("unknown agent \"" + agentName + "\""));
        ModelRequest.Builder request = ModelRequest.builder(model).requestId(requestId).workflow(workflow.name()).agent(agentName);
        request.message(ChatMessage.system(systemMessage(workflow, agent, state)));
        request.messages(history(state));
        if (!agent.autoToolMode()) {
            for (ToolSpec tool : workflow.tools().forAgent(agentName)) {
                request.tool(toolDefinition(tool));
            }
        }
        transfers(workflow, agentName).forEach((name, transfer) -> request.tool(transfer.definition()));
        workflow.structuredOutputs().modelFor(agentName).ifPresent(output -> request.responseFormat(
                new ResponseFormat(output.name(), workflow.structuredOutputs().jsonSchema(output.name()), true)));
        return request.build();
    }

    /** AutoPattern: asks the model for the next speaker among {@code candidates}, by name. */
    public ModelRequest speakerSelection(Workflow workflow, List<String> candidates, ConversationState state, String requestId) {
        StringBuilder system = new StringBuilder("You manage a group chat. Choose who speaks next.\nParticipants:");
        for (String candidate : candidates) {
            String role = workflow.agent(candidate).map(AgentSpec::prompt).orElse("the human user");
            system.append("\n- ").append(candidate).append(": ").append(firstLine(role));
        }
        system.append("\nAnswer with exactly one participant name and nothing else.");
        return ModelRequest.builder(model).requestId(requestId).workflow(workflow.name()).agent(SPEAKER_SELECTOR)
                .message(ChatMessage.system(system.toString()))
                .messages(history(state))
                .build();
    }

    /**
     * Asks which of the user's {@code string_llm} handoff conditions the conversation now meets: the conditions numbered,
     * the conversation as history; the answer is a number (0 for none), read by {@link TurnPlanner#parseCondition}.
     */
    public ModelRequest conditionCheck(Workflow workflow, List<HandoffRule> rules, ConversationState state, String requestId) {
        StringBuilder system = new StringBuilder("You check a conversation against conditions about its user's last message.\nConditions:");
        for (int i = 0; i < rules.size(); i++) {
            system.append("\n").append(i + 1).append(". ").append(((HandoffCondition.Llm) rules.get(i).condition().orElseThrow()).prompt());
        }
        system.append("\nAnswer with the number of the first condition the user's last message meets, or 0 when it meets none;"
                + " answer with the number only.");
        return ModelRequest.builder(model).requestId(requestId).workflow(workflow.name()).agent(CONDITION_CHECKER)
                .message(ChatMessage.system(system.toString()))
                .messages(history(state))
                .build();
    }

    public static String systemMessage(Workflow workflow, AgentSpec agent, ConversationState state) {
        String prompt = agent.prompt();
        String context = ContextState.exposure(workflow, agent.name(), state.variables());
        if (context.isEmpty()) {
            return prompt;
        }
        return prompt.isEmpty() ? context : prompt + "\n\n" + context;
    }

    public static List<ChatMessage> history(ConversationState state) {
        List<ChatMessage> messages = new ArrayList<>();
        for (ConversationState.Message m : state.messages()) {
            switch (m.role()) {
                case USER -> messages.add(new UserMessage(m.content() == null ? "" : m.content(), m.name()));
                case ASSISTANT -> messages.add(new AssistantMessage(
                        m.content() == null && m.toolCalls().isEmpty() ? "" : m.content(), m.toolCalls(), m.name()));
                case TOOL -> messages.add(new ToolMessage(m.toolCallId(), m.content() == null ? "" : m.content()));
            }
        }
        return messages;
    }

    public static ToolDefinition toolDefinition(ToolSpec tool) {
        ObjectNode parameters = tool.parameters()
                .map(schema -> (ObjectNode) JSON.valueToTree(schema))
                .orElseGet(() -> {
                    ObjectNode empty = JSON.createObjectNode().put("type", "object");
                    empty.putObject("properties");
                    return empty;
                });
        return new ToolDefinition(tool.name(), tool.description().orElse(""), parameters);
    }

    /** A {@code string_llm} handoff offered to the model as a tool. */
    public record Transfer(String toolName, String target, String condition) {
        public ToolDefinition definition() {
            ObjectNode parameters = JSON.createObjectNode().put("type", "object");
            parameters.putObject("properties");
            return new ToolDefinition(toolName, "Transfer to " + target + " when: " + condition, parameters);
        }
    }

    /** The transfer tools of an agent by tool name (DefaultPattern only; a second one to the same target gets a suffix). */
    public static Map<String, Transfer> transfers(Workflow workflow, String agent) {
        Map<String, Transfer> transfers = new LinkedHashMap<>();
        if (!workflow.orchestrator().orchestrationPattern().usesHandoffRules()) {
            return transfers;
        }
        for (HandoffRule rule : workflow.handoffsFrom(agent)) {
            if (rule.condition().orElse(null) instanceof HandoffCondition.Llm llm) {
                String target = TurnPlanner.target(rule.target());
                String base = TRANSFER_PREFIX + target.replaceAll("[^A-Za-z0-9_-]", "_");
                String name = base.length() > 60 ? base.substring(0, 60) : base;
                for (int n = 2; transfers.containsKey(name); n++) {
                    name = (base.length() > 58 ? base.substring(0, 58) : base) + "_" + n;
                }
                transfers.put(name, new Transfer(name, target, llm.prompt()));
            }
        }
        return transfers;
    }

    private static String firstLine(String text) {
        String stripped = text.strip();
        int newline = stripped.indexOf('\n');
        String line = newline < 0 ? stripped : stripped.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
