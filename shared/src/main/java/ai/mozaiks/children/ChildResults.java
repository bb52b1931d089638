package ai.mozaiks.children;

import ai.mozaiks.engine.ConversationState;
import ai.mozaiks.http.InputLimits;
import ai.mozaiks.http.Json;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.workflows.manifest.FanOut;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;

/**
 * What a child workflow came to, and the children's results put together for the parent as its fan-out says
 * ({@code concatenate | structured | collect_all}). A child's result is its last agent message: the text as a summary
 * and, when it is a JSON object (a structured output), that object.
 */
final class ChildResults {
    /** A summary longer than this is cut: the parent's context window holds every child's. */
    static final int MAX_SUMMARY = 4_000;
    static final int PREVIEW = 280;

    private ChildResults() {
    }

    /** The summary and output of an ended child chat, for its entry in the run. */
    static Document of(Document chat) {
        Document result = new Document();
        Document stored = chat.get(ChatFields.CONVERSATION, Document.class);
        if (stored == null) {
            return result;
        }
        List<ConversationState.Message> messages = ConversationState.fromDocument(stored).messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            ConversationState.Message message = messages.get(i);
            if (message.role() == ConversationState.Message.Role.ASSISTANT && message.content() != null && !message.content().isBlank()) {
                String text = message.content().strip();
                result.append(PackRun.SUMMARY, text.length() > MAX_SUMMARY ? text.substring(0, MAX_SUMMARY) + "…" : text);
                object(text).ifPresent(output -> result.append(PackRun.OUTPUT, output));
                break;
            }
        }
        return result;
    }

    /** The merged results: the context variable's value, and the text the resume agent reads. */
    record Merged(Object value, String text) {
        String preview() {
            return text.length() > PREVIEW ? text.substring(0, PREVIEW) + "…" : text;
        }
    }

    static Merged merge(FanOut.MergeMode mode, List<Document> children) {
        return switch (mode) {
            case CONCATENATE -> {
                List<String> sections = new ArrayList<>();
                for (Document child : children) {
                    sections.add("### " + child.getString(PackRun.WORKFLOW) + " (" + child.getString(PackRun.CHILD_STATUS) + ")\n"
                            + Optional.ofNullable(child.getString(PackRun.SUMMARY)).orElse("(no result)"));
                }
                String text = String.join("\n\n", sections);
                yield new Merged(text, text);
            }
            case STRUCTURED -> {
                Map<String, Object> byWorkflow = new LinkedHashMap<>();
                for (Document child : children) {
                    String key = child.getString(PackRun.WORKFLOW);
                    for (int n = 2; byWorkflow.containsKey(key); n++) {
                        key = child.getString(PackRun.WORKFLOW) + "_" + n;
                    }
                    Object value = child.get(PackRun.OUTPUT) != null ? child.get(PackRun.OUTPUT)
                            : PackRun.succeeded(child) ? child.getString(PackRun.SUMMARY)
                            : Map.of("status", child.getString(PackRun.CHILD_STATUS));
                    byWorkflow.put(key, value);
                }
                yield new Merged(byWorkflow, Json.write(byWorkflow));
            }
            case COLLECT_ALL -> {
                List<Map<String, Object>> all = new ArrayList<>();
                for (int index = 0; index < children.size(); index++) {
                    Document child = children.get(index);
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("index", index);
                    entry.put("workflow_name", child.getString(PackRun.WORKFLOW));
                    entry.put("chat_id", child.getString(PackRun.CHAT_ID));
                    entry.put("status", child.getString(PackRun.CHILD_STATUS));
                    entry.put("summary", child.getString(PackRun.SUMMARY));
                    entry.put("output", child.get(PackRun.OUTPUT));
                    all.add(entry);
                }
                yield new Merged(all, Json.write(all));
            }
        };
    }

    /**
     * A reply that is a JSON object, as a document: model output, so it is read within the input limits first (the BSON
     * parser has none, and a deep reply would overflow its stack or the store's nesting limit). Anything else, over
     * the limits included, stays plain text.
     */
    private static Optional<Document> object(String text) {
        if (!text.startsWith("{") || text.length() > InputLimits.MAX_MODEL_JSON_CHARS) {
            return Optional.empty();
        }
        try {
            return Json.read(text).isObject() ? Optional.of(Document.parse(text)) : Optional.empty();
        } catch (RuntimeException notJsonOrOverLimits) {
            return Optional.empty();
        }
    }
}
