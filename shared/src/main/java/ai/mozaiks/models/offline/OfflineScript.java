package ai.mozaiks.models.offline;

import ai.mozaiks.http.InputLimits;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Scripted replies for the offline model, a YAML (or JSON) list played in order per agent:
 * <pre>
 * - agent: interviewer
 *   text: What should I research?
 * - agent: researcher
 *   tool_call: {name: web_search, arguments: {query: tides}}
 * - agent: researcher
 *   tool_calls: [{name: a}, {name: b, arguments: {x: 1}}]
 * - agent: summarizer
 *   json: {title: Tides, points: []}
 * </pre>
 * Each entry names its agent and exactly one of {@code text}, {@code tool_call}, {@code tool_calls}
 * or {@code json}. The n-th entry of an agent answers that agent's n-th turn.
 */
public final class OfflineScript {
    // YAML, not JSON: a mapper of its own over the platform's YAML limits, with a script's size bound.
    private static final ObjectMapper YAML = new ObjectMapper(InputLimits.yamlFactory(3 * 1024 * 1024));
    private static final Set<String> KINDS = Set.of("text", "tool_call", "tool_calls", "json");

    private final Map<String, List<ScriptedReply>> byAgent;

    private OfflineScript(Map<String, List<ScriptedReply>> byAgent) {
        this.byAgent = byAgent;
    }

    public static OfflineScript load(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException naming the entry and the problem */
    public static OfflineScript parse(String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("offline script is not valid YAML or JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("offline script must be a list of replies");
        }
        Map<String, List<ScriptedReply>> byAgent = new LinkedHashMap<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode entry = root.get(i);
            String where = "reply " + (i + 1);
            if (!entry.isObject()) {
                throw new IllegalArgumentException(where + ": must be a mapping");
            }
            String agent = entry.path("agent").asText("");
            if (agent.isBlank()) {
                throw new IllegalArgumentException(where + ": \"agent\" is required");
            }
            byAgent.computeIfAbsent(agent, a -> new ArrayList<>()).add(reply(entry, where + " (" + agent + ")"));
        }
        byAgent.replaceAll((agent, replies) -> List.copyOf(replies));
        return new OfflineScript(Map.copyOf(byAgent));
    }

    /** The reply for an agent's turn (0 for its first), if the script has one. */
    public Optional<ScriptedReply> reply(String agent, int turn) {
        List<ScriptedReply> replies = agent == null ? null : byAgent.get(agent);
        return replies == null || turn < 0 || turn >= replies.size() ? Optional.empty() : Optional.of(replies.get(turn));
    }

    public List<ScriptedReply> replies(String agent) {
        return byAgent.getOrDefault(agent, List.of());
    }

    private static ScriptedReply reply(JsonNode entry, String where) {
        String kind = null;
        for (Iterator<String> names = entry.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (KINDS.contains(name)) {
                if (kind != null) {
                    throw new IllegalArgumentException(where + ": has both " + kind + " and " + name + "; give one");
                }
                kind = name;
            } else if (!"agent".equals(name)) {
                throw new IllegalArgumentException(where + ": unknown field \"" + name + "\"; expected agent and one of "
                        + "text, tool_call, tool_calls, json");
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException(where + ": needs one of text, tool_call, tool_calls, json");
        }
        JsonNode value = entry.get(kind);
        return switch (kind) {
            case "text" -> {
                if (!value.isTextual()) {
                    throw new IllegalArgumentException(where + ": text must be a string");
                }
                yield new ScriptedReply.Text(value.asText());
            }
            case "json" -> {
                if (!value.isObject()) {
                    throw new IllegalArgumentException(where + ": json must be an object");
                }
                yield new ScriptedReply.Json((ObjectNode) value);
            }
            case "tool_call" -> new ScriptedReply.ToolCalls(List.of(call(value, where)));
            default -> {
                if (!value.isArray() || value.isEmpty()) {
                    throw new IllegalArgumentException(where + ": tool_calls must be a non-empty list");
                }
                List<ScriptedReply.Call> calls = new ArrayList<>();
                value.forEach(call -> calls.add(call(call, where)));
                yield new ScriptedReply.ToolCalls(calls);
            }
        };
    }

    private static ScriptedReply.Call call(JsonNode call, String where) {
        if (!call.isObject() || !call.path("name").isTextual()) {
            throw new IllegalArgumentException(where + ": a tool call needs a name");
        }
        for (Iterator<String> names = call.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!"name".equals(name) && !"arguments".equals(name)) {
                throw new IllegalArgumentException(where + ": unknown tool call field \"" + name + "\"");
            }
        }
        JsonNode arguments = call.get("arguments");
        if (arguments != null && !arguments.isObject()) {
            throw new IllegalArgumentException(where + ": tool call arguments must be an object");
        }
        return new ScriptedReply.Call(call.get("name").asText(), (ObjectNode) arguments);
    }
}
