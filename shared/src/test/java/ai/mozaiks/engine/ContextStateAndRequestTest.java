package ai.mozaiks.engine;

import ai.mozaiks.models.AssistantMessage;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.SystemMessage;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.models.ToolDefinition;
import ai.mozaiks.models.UserMessage;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Manifests.ReviewLoop;
import ai.mozaiks.workflows.Workflow;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContextStateAndRequestTest {
    private static final String CONTEXT = """
            definitions:
            - name: monetization_enabled
              type: boolean
              source: {type: config, env_var: MONETIZATION_ENABLED, default: false}
            - name: plan
              type: string
              source: {type: config, default: basic}
            - name: draft_ready
              type: boolean
              source:
                type: state
                default: false
                triggers:
                - {type: agent_text, agent: Writer, match: {equals: NEXT}, ui_hidden: true}
            - name: done
              type: boolean
              source:
                type: state
                default: false
                triggers:
                - {type: agent_text, agent: Writer, match: {contains: '[done]'}}
            - name: approved
              type: boolean
              source:
                type: state
                default: false
                triggers:
                - {type: agent_text, agent: Reviewer, match: {regex: '^APPROVED\\b'}}
            - name: decision
              type: string
              source:
                type: state
                triggers:
                - {type: ui_response, tool: ask_approval, response_key: choice}
            - name: decision_detail
              type: object
              source:
                type: state
                triggers:
                - {type: ui_response, tool: ask_approval, response_key: detail}
            - name: decision_detail_copy
              type: object
              source:
                type: state
                triggers:
                - {type: ui_response, tool: ask_approval, response_key: detail}
            agents:
            - {agent_name: Writer, variables: [draft_ready, plan]}
            """;
    private static final String TOOLS = ReviewLoop.TOOLS + """
            - agent: Writer
              function: ask_approval
              description: Ask the user.
              tool_type: UI_Tool
              ui: {component: ApprovalCard, mode: inline}
            """;
    private static final String HANDOFFS = """
            handoff_rules:
            - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: string_llm,
               condition: The draft is ready for review.}
            - {source_agent: Writer, target_agent: user, handoff_type: condition, condition_type: string_llm,
               condition: You need the user's input.}
            """;
    private static final String OUTPUTS = """
            structured_outputs:
              models:
                Review:
                  type: model
                  fields:
                    verdict: {type: str, description: The verdict}
                    score: {type: int}
              registry:
                Reviewer: Review
                Writer: null
            """;

    private static Workflow workflow() {
        return Manifests.of("max_turns: 9\n").with("context_variables.yaml", CONTEXT).with("tools.yaml", TOOLS)
                .with("handoffs.yaml", HANDOFFS).with("structured_outputs.yaml", OUTPUTS).load();
    }

    @Test
    void configVariablesLookUpTheirEnvVarOrElseTheirNameInTheAppsSettingsOnly() {
        assertEquals(java.util.Set.of("MONETIZATION_ENABLED", "plan"), ContextState.configKeys(workflow()));
        Map<String, Object> values = ContextState.initial(workflow(), "app1", "chat1", "u1", Map.of("plan", "pro", "draft_ready", "x"));
        assertEquals("pro", values.get("plan"), "a config variable without env_var reads the setting of its own name");
        assertEquals(false, values.get("monetization_enabled"), "nothing configured: the default");
        assertEquals(false, values.get("draft_ready"), "a state variable never reads settings");
    }

    @Test
    void initialValuesComeFromSettingsDefaultsAndTheRuntime() {
        Map<String, Object> values = ContextState.initial(workflow(), "app1", "chat1", "u1",
                Map.of("MONETIZATION_ENABLED", "true"));
        assertEquals(true, values.get("monetization_enabled"));
        assertEquals("basic", values.get("plan"));
        assertEquals(false, values.get("draft_ready"));
        assertTrue(values.containsKey("decision"));
        assertEquals("demo", values.get("workflow_name"));
        assertEquals("app1", values.get("app_id"));
        assertEquals("chat1", values.get("chat_id"));
        assertEquals("u1", values.get("user_id"));
    }

    @Test
    void agentTextTriggersMatchEqualsContainsAndRegexAndHideSentinels() {
        Workflow workflow = workflow();
        Map<String, Object> values = ContextState.initial(workflow, "a", "c", "u", Map.of());
        ContextState.TextOutcome sentinel = ContextState.applyAgentText(workflow, "Writer", "  NEXT\n", values);
        assertTrue(sentinel.hidden());
        assertEquals(true, sentinel.variables().get("draft_ready"));
        assertEquals(List.of("draft_ready"), sentinel.changed());

        ContextState.TextOutcome contains = ContextState.applyAgentText(workflow, "Writer", "all good [done]", values);
        assertFalse(contains.hidden());
        assertEquals(true, contains.variables().get("done"));
        assertEquals(false, contains.variables().get("draft_ready"));

        assertEquals(true, ContextState.applyAgentText(workflow, "Reviewer", "APPROVED with notes", values).variables().get("approved"));
        assertEquals(false, ContextState.applyAgentText(workflow, "Reviewer", "NOT APPROVED", values).variables().get("approved"));
        // Another agent's text does not fire Writer's trigger.
        assertEquals(false, ContextState.applyAgentText(workflow, "Reviewer", "NEXT", values).variables().get("draft_ready"));
    }

    @Test
    void uiResponseTriggersTakeTheResponseKey() throws Exception {
        Workflow workflow = workflow();
        Map<String, Object> values = ContextState.applyUiResponse(workflow, "ask_approval",
                new ObjectMapper().readTree("{\"choice\": \"yes\", \"note\": 1}"), Map.of());
        assertEquals("yes", values.get("decision"));
    }

    @Test
    void aPartOfTheAnswerTakenByManyVariablesIsConvertedOnce() throws Exception {
        Map<String, Object> values = ContextState.applyUiResponse(workflow(), "ask_approval",
                new ObjectMapper().readTree("{\"choice\": \"yes\", \"detail\": {\"reason\": \"fits\", \"score\": 3}}"), Map.of());
        assertEquals(new org.bson.Document("reason", "fits").append("score", 3), values.get("decision_detail"));
        // One converted value for both: a large answer mapped into many variables is not held once per variable.
        assertSame(values.get("decision_detail"), values.get("decision_detail_copy"));
    }

    @Test
    void theRequestCarriesPromptContextHistoryToolsTransfersAndFormat() {
        Workflow workflow = workflow();
        Map<String, Object> values = ContextState.initial(workflow, "a", "c", "u", Map.of());
        ToolCall call = new ToolCall("call_9", "lookup", JsonNodeFactory.instance.objectNode().put("word", "tide"));
        ConversationState state = ConversationState.start(values)
                .withMessages(List.of(ConversationState.Message.user("hello", true),
                        ConversationState.Message.assistant("Writer", null, List.of(call), false),
                        ConversationState.Message.tool("call_9", "{\"meaning\":\"sea\"}"),
                        ConversationState.Message.assistant("Writer", "NEXT", List.of(), true)), 40);

        ModelRequest request = new RequestBuilder("gpt-4o").build(workflow, "Writer", state, "req-1");

        assertEquals("Writer", request.agentName());
        assertEquals("You write drafts.\n\n[CONTEXT VARIABLES]\ndraft_ready: False\nplan: basic",
                ((SystemMessage) request.messages().get(0)).content());
        assertEquals(5, request.messages().size(), "hidden messages are still sent to the model");
        assertEquals(new UserMessage("hello", "user"), request.messages().get(1));
        assertEquals("Writer", ((AssistantMessage) request.messages().get(2)).name());
        assertEquals("NEXT", ((AssistantMessage) request.messages().get(4)).content());
        assertEquals(List.of("lookup", "ask_approval", "transfer_to_Reviewer", "transfer_to_user"),
                request.tools().stream().map(ToolDefinition::name).toList());
        assertEquals("string", request.tools().get(0).parameters().at("/properties/word/type").asText());
        assertEquals("object", request.tools().get(1).parameters().get("type").asText());
        assertTrue(request.tools().get(2).description().contains("The draft is ready for review."));
        assertEquals(null, request.responseFormat());

        ModelRequest review = new RequestBuilder("gpt-4o").build(workflow, "Reviewer", state, "req-2");
        assertEquals("Review", review.responseFormat().name());
        assertTrue(review.responseFormat().strict());
        assertEquals(List.of(), review.tools());
        assertEquals("You review drafts.", ((SystemMessage) review.messages().get(0)).content());
    }

    @Test
    void theStateRoundTripsThroughBsonAndKeepsItsWindow() {
        ToolCall call = new ToolCall("call_1", "lookup", JsonNodeFactory.instance.objectNode().put("word", "x"));
        ConversationState state = ConversationState.start(Map.of("flag", true, "n", 3))
                .withMessages(List.of(ConversationState.Message.user("u", false),
                        ConversationState.Message.assistant("Writer", null, List.of(call), false),
                        ConversationState.Message.tool("call_1", "r"),
                        ConversationState.Message.assistant("Writer", "NEXT", List.of(), true)), 40)
                .afterAgentReply("Writer", "Reviewer");
        assertEquals(state, ConversationState.fromDocument(org.bson.Document.parse(state.toDocument().toJson())));

        // A window never starts on a tool result (its call would be missing).
        ConversationState cut = state.withMessages(List.of(), 2);
        assertEquals(1, cut.messages().size());
        assertEquals("NEXT", cut.messages().get(0).content());
    }

    @Test
    void aToolsUpdatesAreBoundedAndOnlyDefinedVariablesChange() throws Exception {
        Workflow workflow = workflow();
        Map<String, Object> before = ContextState.initial(workflow, "app-1", "chat-1", "user-1", Map.of());
        ObjectMapper json = new ObjectMapper();

        ContextState.ToolUpdates notAnObject = ContextState.applyToolUpdates(workflow, json.readTree("[1]"), before);
        assertEquals(before, notAnObject.variables());
        assertEquals(1, notAnObject.refused().size());
        assertEquals(null, notAnObject.refused().get(0).name());

        String deep = "{\"a\": ".repeat(70) + "1" + "}".repeat(70);
        String large = "\"" + "x".repeat(ChatInputs.INLINE_UI_RESPONSE_CHARS) + "\"";
        ContextState.ToolUpdates mixed = ContextState.applyToolUpdates(workflow, json.readTree(
                "{\"draft_ready\": true, \"chat_id\": \"other\", \"nope\": 1, \"plan\": \"pro\", \"done\": \"yes\", \"decision_detail\": "
                        + deep + ", \"decision\": " + large + ", \"approved\": {\"$date\": \"not a date\"}}"), before);
        assertEquals(Map.of("draft_ready", true), mixed.applied());
        assertEquals(List.of(new ContextState.Refusal("chat_id", "is set by the runtime"),
                        new ContextState.Refusal("nope", "is not defined in context_variables.yaml"),
                        new ContextState.Refusal("plan", "is not set by tools (only state and runtime variables are)"),
                        new ContextState.Refusal("done", "must be of type boolean"),
                        new ContextState.Refusal("decision_detail", "is nested deeper than 64 levels"),
                        new ContextState.Refusal("decision", "is over " + ChatInputs.INLINE_UI_RESPONSE_CHARS + " characters of JSON"),
                        new ContextState.Refusal("approved", "must be of type boolean")),
                mixed.refused());
        assertEquals("chat-1", mixed.variables().get("chat_id"));
        assertEquals("basic", mixed.variables().get("plan"), "a config variable is the app's setting, not a tool's");
        assertEquals(new org.bson.Document("$date", "not a date"), ContextState.plain(json.readTree("{\"$date\": \"not a date\"}")),
                "plain JSON, never MongoDB's extended JSON");
        assertFalse(mixed.variables().containsKey("nope"));
        assertEquals(false, before.get("draft_ready"), "the variables given are not changed in place");

        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < ContextState.MAX_TOOL_UPDATES + 5; i++) {
            many.append(i == 0 ? "" : ",").append("\"v").append(i).append("\": ").append(i);
        }
        ContextState.ToolUpdates tooMany = ContextState.applyToolUpdates(workflow, json.readTree(many.append("}").toString()), before);
        assertEquals(ContextState.MAX_TOOL_UPDATES + 1, tooMany.refused().size(), "one note for the rest, not one per name");
        assertEquals(null, tooMany.refused().get(ContextState.MAX_TOOL_UPDATES).name());

        // Near the chat's budget: an update that would pass it is refused, one that fits is applied.
        Map<String, Object> full = new java.util.LinkedHashMap<>(before);
        String filler = "y".repeat(ChatInputs.INLINE_UI_RESPONSE_CHARS - 100);
        for (int i = 0; i < ChatInputs.UI_VARIABLES_BUDGET / filler.length(); i++) {
            full.put("filler_" + i, filler);
        }
        String half = "\"" + "z".repeat(ChatInputs.INLINE_UI_RESPONSE_CHARS - 10) + "\"";
        ContextState.ToolUpdates budget = ContextState.applyToolUpdates(workflow, json.readTree(
                "{\"decision\": " + half + ", \"draft_ready\": true}"), full);
        assertEquals(Map.of("draft_ready", true), budget.applied());
        assertEquals(List.of(new ContextState.Refusal("decision", "would take the chat's variables past 256 KB")), budget.refused());
    }
}
