package ai.mozaiks.engine;

import static ai.mozaiks.session.EventData.data;

import ai.mozaiks.http.InputLimits;
import ai.mozaiks.http.Json;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.AgentSpec;
import ai.mozaiks.workflows.manifest.OutputModel;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;

/**
 * An agent's text in a turn: its context-variable triggers, its {@code chat.text} event with the structured output
 * the workflow declares for the agent, and the fan-out that output may ask for (a trigger agent's selection of several
 * workflows, per the workflow's {@code _pack/workflow_graph.json}).
 */
final class FanOutDetector {

    private FanOutDetector() {
    }

    /** What the text came to: whether it is hidden from the user, and the fan-out it starts, if any. */
    record Text(boolean hidden, Optional<FanOutRequest> fanOut) {
        static final Text NONE = new Text(false, Optional.empty());
    }

    /** Applies the agent's text to the turn (variables, the text event); answers its visibility and fan-out. */
    static Text read(Turn turn, String agent, String text) {
        if (text.isEmpty()) {
            return Text.NONE;
        }
        Workflow workflow = turn.workflow;
        ContextState.TextOutcome triggered = ContextState.applyAgentText(workflow, agent, text, turn.state.variables());
        turn.state = turn.state.withVariables(triggered.variables());
        Map<String, Object> event = data("agent", agent, "content", text, "hidden", triggered.hidden(),
                "ui_visibility", workflow.ui().isVisible(agent) ? "user" : "trace");
        Optional<OutputModel> model = workflow.structuredOutputs().modelFor(agent);
        Optional<Document> parsed = model.flatMap(output -> structured(text, turn.requestId()));
        parsed.ifPresent(output -> {
            event.put("structured_output", output);
            event.put("structured_schema", model.get().name());
        });
        Optional<FanOutRequest> fanOut = parsed.flatMap(output -> workflow.fanOutFor(agent).flatMap(point -> FanOutRequest.read(
                turn.requestId(), point, agent, output, workflow.agents().stream().map(AgentSpec::name).toList())));
        turn.event(EventKind.TEXT, event);
        return new Text(triggered.hidden(), fanOut);
    }

    /**
     * The agent's structured output, when its text is a JSON object. One beyond the {@link InputLimits} fails the step
     * ({@link ModelException.Kind#OVER_LIMIT}): it is neither stored nor acted on.
     */
    private static Optional<Document> structured(String text, String requestId) {
        String json = text.strip();
        if (json.length() > InputLimits.MAX_MODEL_JSON_CHARS) {
            throw new ModelException(ModelException.Kind.OVER_LIMIT, requestId,
                    "the structured output exceeds " + InputLimits.MAX_MODEL_JSON_CHARS + " characters");
        }
        try {
            JsonNode parsed = Json.firstValue().readTree(json);
            return parsed != null && parsed.isObject() ? Optional.of(Document.parse(parsed.toString())) : Optional.empty();
        } catch (StreamConstraintsException refused) {
            throw new ModelException(ModelException.Kind.OVER_LIMIT, requestId, "the structured output "
                    + (InputLimits.tooDeep(refused) ? "is nested deeper than " + InputLimits.MAX_DEPTH + " levels"
                    : "is larger than the platform accepts"));
        } catch (IOException notJson) {
            return Optional.empty();
        }
    }
}
