package ai.mozaiks.models.offline;

import ai.mozaiks.models.AssistantMessage;
import ai.mozaiks.models.ChatMessage;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.FinishReason;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.ModelResponse;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.models.ToolChoice;
import ai.mozaiks.models.ToolDefinition;
import ai.mozaiks.models.TokenEstimate;
import ai.mozaiks.models.Usage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.UUID;
import reactor.core.publisher.Flux;

/**
 * A model with no network, so the platform runs locally with no account. Deterministic: the same
 * request always gets the same reply. In order of precedence it answers with
 * <ol>
 * <li>the agent's next scripted reply, when the request's workflow has a script: its n-th entry for the
 *     agent's n-th turn, counted from the assistant messages in the history that carry the agent's name;</li>
 * <li>a call of the named tool, or of the first tool, when the tool choice forces one;</li>
 * <li>the smallest JSON object the response format's schema accepts, when one is asked for;</li>
 * <li>otherwise a sentence that names the agent and echoes the last user message.</li>
 * </ol>
 * Tool arguments not given by the script are the smallest the tool's schema accepts
 * ({@link SchemaSample}). The reply streams as a few deltas; usage is {@link TokenEstimate}d.
 */
public final class OfflineModel implements ChatModel {
    static final int TEXT_PIECES = 4;
    private static final String DEFAULT_AGENT = "assistant";

    private final Function<String, Optional<OfflineScript>> scripts;

    /** Unscripted: echoing replies, structured output and forced tool calls only. */
    public OfflineModel() {
        this(workflow -> Optional.empty());
    }

    /** One script for every workflow. */
    public OfflineModel(OfflineScript script) {
        this(workflow -> Optional.of(script));
    }

    /** A script per workflow name ({@link ModelRequest#workflow()}, which may be {@code null}). */
    public OfflineModel(Function<String, Optional<OfflineScript>> scriptsByWorkflow) {
        this.scripts = scriptsByWorkflow;
    }

    @Override
    public Flux<ModelEvent> stream(ModelRequest request) {
        return Flux.defer(() -> {
            AssistantMessage reply = reply(request);
            List<ModelEvent> events = new ArrayList<>();
            for (String piece : pieces(reply.text(), TEXT_PIECES)) {
                events.add(new ModelEvent.TextDelta(piece));
            }
            for (int i = 0; i < reply.toolCalls().size(); i++) {
                ToolCall call = reply.toolCalls().get(i);
                events.add(new ModelEvent.ToolCallDelta(i, call.id(), call.name(), ""));
                for (String piece : pieces(call.argumentsJson(), 2)) {
                    events.add(new ModelEvent.ToolCallDelta(i, null, null, piece));
                }
            }
            Usage usage = Usage.estimated(TokenEstimate.ofPrompt(request), TokenEstimate.ofReply(reply));
            FinishReason reason = reply.toolCalls().isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS;
            events.add(new ModelEvent.Completed(new ModelResponse(reply, reason, usage, request.model())));
            return Flux.fromIterable(events);
        });
    }

    AssistantMessage reply(ModelRequest request) {
        String agent = request.agentName();
        Optional<OfflineScript> script = scripts.apply(request.workflow());
        if (script.isPresent() && agent != null) {
            var scripted = script.get().reply(agent, turnOf(agent, request));
            if (scripted.isPresent()) {
                return played(scripted.get(), request);
            }
        }
        if (request.toolChoice().forcesCall()) {
            ToolDefinition tool = request.toolChoice().mode() == ToolChoice.Mode.NAMED
                    ? find(request, request.toolChoice().toolName())
                    : request.tools().get(0);
            return new AssistantMessage(null, List.of(call(request, 0, tool.name(), sample(tool.parameters(), request))), agent);
        }
        if (request.responseFormat() != null) {
            return new AssistantMessage(sample(request.responseFormat().schema(), request).toString(), List.of(), agent);
        }
        return new AssistantMessage(echo(request), List.of(), agent);
    }

    /** How many times this agent has spoken in the history: the index of its next scripted reply. */
    private static int turnOf(String agent, ModelRequest request) {
        int turns = 0;
        for (ChatMessage message : request.messages()) {
            if (message instanceof AssistantMessage assistant && agent.equals(assistant.name())) {
                turns++;
            }
        }
        return turns;
    }

    private static AssistantMessage played(ScriptedReply reply, ModelRequest request) {
        String agent = request.agentName();
        if (reply instanceof ScriptedReply.Text text) {
            return new AssistantMessage(text.text(), List.of(), agent);
        }
        if (reply instanceof ScriptedReply.Json json) {
            return new AssistantMessage(json.value().toString(), List.of(), agent);
        }
        List<ToolCall> calls = new ArrayList<>();
        List<ScriptedReply.Call> scripted = ((ScriptedReply.ToolCalls) reply).calls();
        for (int i = 0; i < scripted.size(); i++) {
            ScriptedReply.Call call = scripted.get(i);
            ToolDefinition tool = find(request, call.name());
            ObjectNode arguments = call.arguments() != null ? call.arguments() : sample(tool.parameters(), request);
            calls.add(call(request, i, call.name(), arguments));
        }
        return new AssistantMessage(null, calls, agent);
    }

    private static ToolDefinition find(ModelRequest request, String name) {
        return request.tools().stream()
                .filter(tool -> tool.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new ModelException(ModelException.Kind.BAD_REQUEST, request.requestId(),
                        "the offline script calls tool " + name + ", which the request does not offer"));
    }

    /** Ids unique within a chat (the history only grows) and the same for the same request. */
    private static ToolCall call(ModelRequest request, int index, String name, ObjectNode arguments) {
        String seed = request.model() + '|' + request.agentName() + '|' + request.messages().size() + '|' + index;
        String id = "call_" + UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString().replace("-", "")
                .substring(0, 24);
        return new ToolCall(id, name, arguments);
    }

    private static ObjectNode sample(ObjectNode schema, ModelRequest request) {
        JsonNode value;
        try {
            value = SchemaSample.of(schema);
        } catch (IllegalArgumentException e) {
            throw new ModelException(ModelException.Kind.BAD_REQUEST, request.requestId(), e.getMessage(), e);
        }
        if (!(value instanceof ObjectNode object)) {
            throw new ModelException(ModelException.Kind.BAD_REQUEST, request.requestId(),
                    "the schema does not describe a JSON object");
        }
        return object;
    }

    private static String echo(ModelRequest request) {
        String agent = request.agentName() == null ? DEFAULT_AGENT : request.agentName();
        String said = request.lastUserText();
        if (said == null || said.isBlank()) {
            return agent + " here (offline model). There is no message from you yet.";
        }
        return agent + " here (offline model). You said: \"" + said.strip() + "\"";
    }

    /** Up to {@code count} pieces, cut after a space where one is near, never inside a surrogate pair. */
    static List<String> pieces(String text, int count) {
        List<String> pieces = new ArrayList<>(count);
        int start = 0;
        for (int n = count; n > 1 && start < text.length(); n--) {
            int end = start + Math.max(1, (text.length() - start) / n);
            int space = text.indexOf(' ', end);
            if (space >= 0 && space - end < 8) {
                end = space + 1;
            }
            if (end < text.length() && Character.isLowSurrogate(text.charAt(end))) {
                end++;
            }
            if (end >= text.length()) {
                break;
            }
            pieces.add(text.substring(start, end));
            start = end;
        }
        if (start < text.length()) {
            pieces.add(text.substring(start));
        }
        return pieces;
    }
}
