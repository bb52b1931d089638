package ai.mozaiks.engine;

import ai.mozaiks.workflows.manifest.FanOut;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bson.Document;

/**
 * What a trigger agent's structured output asked for: the runtime's {@code PatternSelection}
 * ({@code {"is_multi_workflow": true, "workflows": [{"name", "initial_message"?}], "resume_agent"?}}, bare or under a
 * {@code PatternSelection} key), cut to the fan-out's {@code max_children}. The step that reads it commits the chat
 * waiting for children with this in its {@code fan_out} field; the run it starts is {@code runId}.
 */
public record FanOutRequest(String runId, FanOut point, String resumeAgent, List<Child> children) {
    private static final String SELECTION = "PatternSelection";

    /** One selected workflow, with the message it starts with (if any). */
    public record Child(String workflow, String initialMessage) {
        public Child {
            Objects.requireNonNull(workflow, "workflow");
        }
    }

    public FanOutRequest {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(resumeAgent, "resumeAgent");
        children = List.copyOf(children);
    }

    /**
     * The request in {@code output} (the agent's parsed structured output), when it selects several workflows.
     * {@code agents} are the workflow's: a {@code resume_agent} the workflow does not have falls back to the fan-out's.
     */
    static Optional<FanOutRequest> read(String runId, FanOut fanOut, String triggerAgent, Document output, List<String> agents) {
        Document selection = output.get(SELECTION) instanceof Document wrapped ? wrapped : output;
        if (!Boolean.TRUE.equals(selection.get("is_multi_workflow")) || !(selection.get("workflows") instanceof List<?> listed)) {
            return Optional.empty();
        }
        List<Child> children = new ArrayList<>();
        for (Object item : listed) {
            if (children.size() == fanOut.maxChildren()) {
                break;
            }
            if (item instanceof Map<?, ?> entry && entry.get("name") instanceof String name && !name.isBlank()) {
                children.add(new Child(name, entry.get("initial_message") instanceof String text && !text.isBlank() ? text : null));
            }
        }
        if (children.isEmpty()) {
            return Optional.empty();
        }
        String resume = selection.get("resume_agent") instanceof String named && agents.contains(named) ? named
                : fanOut.resumeAgent().orElse(triggerAgent);
        return Optional.of(new FanOutRequest(runId, fanOut, resume, children));
    }

    public Document toDocument() {
        List<Document> listed = children.stream().map(child -> {
            Document document = new Document("workflow", child.workflow());
            if (child.initialMessage() != null) {
                document.append("initial_message", child.initialMessage());
            }
            return document;
        }).toList();
        return new Document("run_id", runId).append("fan_out_id", point.id()).append("trigger_agent", point.triggerAgent())
                .append("resume_agent", resumeAgent).append("max_children", point.maxChildren())
                .append("timeout_seconds", point.timeout().toSeconds()).append("merge_mode", point.mergeMode().manifestName())
                .append("inject_as", point.injectAs()).append("on_partial_failure", point.onPartialFailure().manifestName())
                .append("children", listed);
    }

    public static FanOutRequest fromDocument(Document document) {
        List<Child> children = document.getList("children", Document.class).stream()
                .map(child -> new Child(child.getString("workflow"), child.getString("initial_message"))).toList();
        String resume = document.getString("resume_agent");
        FanOut point = new FanOut(document.getString("fan_out_id"), document.getString("trigger_agent"),
                ((Number) document.get("max_children")).intValue(), Duration.ofSeconds(((Number) document.get("timeout_seconds")).longValue()),
                Optional.of(resume), FanOut.MergeMode.fromManifest(document.getString("merge_mode")).orElseThrow(),
                document.getString("inject_as"), FanOut.PartialFailure.fromManifest(document.getString("on_partial_failure")).orElseThrow());
        return new FanOutRequest(document.getString("run_id"), point, resume, children);
    }
}
