package ai.mozaiks.engine;

import ai.mozaiks.http.InputLimits;
import ai.mozaiks.http.Json;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.ContextVariableDefinition;
import ai.mozaiks.workflows.manifest.StateTrigger;
import ai.mozaiks.workflows.manifest.TextMatch;
import ai.mozaiks.workflows.manifest.VariableSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Context variables of a chat ({@code context_variables.yaml}): their first values, the triggers that
 * change them, and what each agent sees of them. Pure functions over plain maps.
 *
 * <ul>
 *   <li>{@code config}: the app's own setting named by the variable's {@code env_var} (else by its name) when set,
 *       else the default (a {@code true}/{@code false} or number text is converted) — never the process
 *       environment (see {@link ContextConfig}); {@code state} and {@code runtime}: the default. Other sources
 *       ({@code data_reference}, {@code external}, {@code file}, {@code computed}, {@code data_entity})
 *       are loaded by other services; here they start as {@code null} so conditions can name them.</li>
 *   <li>The runtime's own {@code workflow_name, app_id, chat_id, user_id} are always set.</li>
 *   <li>{@code agent_text} triggers set their variable to {@code true} when the named agent's message
 *       matches; with {@code ui_hidden} the message is also hidden from the UI (still sent to models).</li>
 *   <li>{@code ui_response} triggers set their variable to the response's {@code response_key} field
 *       (or the whole response) when the named UI tool answers.</li>
 *   <li>A tool sets variables by answering {@code context_updates} ({@link #applyToolUpdates}).</li>
 * </ul>
 */
public final class ContextState {
    private static final ObjectMapper JSON = Json.mapper();

    private ContextState() {
    }

    /** What an agent's message did to the variables. */
    public record TextOutcome(Map<String, Object> variables, boolean hidden, List<String> changed) {
    }

    /** The keys the workflow's {@code config} variables look up; empty when it declares none. */
    public static Set<String> configKeys(Workflow workflow) {
        Set<String> keys = new LinkedHashSet<>();
        for (ContextVariableDefinition definition : workflow.contextVariables().definitions()) {
            if (definition.source() instanceof VariableSource.Config config) {
                keys.add(configKey(definition.name(), config));
            }
        }
        return keys;
    }

    /** {@code env_var} names the app setting (so existing manifests keep working); without one, the variable's name does. */
    private static String configKey(String variable, VariableSource.Config config) {
        return config.envVar().orElse(variable);
    }

    /** @param configured the values {@link ContextConfig} found for {@link #configKeys}, by key */
    public static Map<String, Object> initial(Workflow workflow, String appId, String chatId, String userId,
                                              Map<String, String> configured) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ContextVariableDefinition definition : workflow.contextVariables().definitions()) {
            values.put(definition.name(), initialValue(definition.name(), definition.source(), configured));
        }
        values.put("workflow_name", workflow.name());
        values.put("app_id", appId);
        values.put("chat_id", chatId);
        values.put("user_id", userId);
        return values;
    }

    private static Object initialValue(String name, VariableSource source, Map<String, String> configured) {
        if (source instanceof VariableSource.Config config) {
            String setting = configured.get(configKey(name, config));
            return setting != null ? convert(setting) : config.defaultValue().orElse(null);
        }
        if (source instanceof VariableSource.State state) {
            return state.defaultValue().orElse(null);
        }
        if (source instanceof VariableSource.Runtime runtime) {
            return runtime.defaultValue().orElse(null);
        }
        return null;
    }

    private static Object convert(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(t);
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException notInteger) {
            try {
                return Double.parseDouble(t);
            } catch (NumberFormatException notNumber) {
                return text;
            }
        }
    }

    /** Applies the {@code agent_text} triggers of {@code agent}'s message. */
    public static TextOutcome applyAgentText(Workflow workflow, String agent, String text, Map<String, Object> variables) {
        Map<String, Object> values = new LinkedHashMap<>(variables);
        boolean hidden = false;
        List<String> changed = new java.util.ArrayList<>();
        if (text == null) {
            return new TextOutcome(values, false, changed);
        }
        for (ContextVariableDefinition definition : workflow.contextVariables().definitions()) {
            if (!(definition.source() instanceof VariableSource.State state)) {
                continue;
            }
            for (StateTrigger trigger : state.triggers()) {
                if (trigger instanceof StateTrigger.AgentText onText && onText.agent().equals(agent)
                        && onText.match().matches(text)) {
                    if (!Boolean.TRUE.equals(values.put(definition.name(), true))) {
                        changed.add(definition.name());
                    }
                    hidden |= onText.uiHidden();
                }
            }
        }
        return new TextOutcome(values, hidden, changed);
    }

    /** The matches of {@code agent}'s {@code agent_text} triggers that hide its message ({@code ui_hidden}). */
    static List<TextMatch> hidingMatches(Workflow workflow, String agent) {
        List<TextMatch> matches = new java.util.ArrayList<>();
        for (ContextVariableDefinition definition : workflow.contextVariables().definitions()) {
            if (definition.source() instanceof VariableSource.State state) {
                for (StateTrigger trigger : state.triggers()) {
                    if (trigger instanceof StateTrigger.AgentText onText && onText.agent().equals(agent) && onText.uiHidden()) {
                        matches.add(onText.match());
                    }
                }
            }
        }
        return matches;
    }

    /** Applies the {@code ui_response} triggers of a UI tool's answer. */
    public static Map<String, Object> applyUiResponse(Workflow workflow, String tool, JsonNode response,
                                                      Map<String, Object> variables) {
        Map<String, Object> values = new LinkedHashMap<>(variables);
        // Each part of the answer is converted once, however many variables take it: a pack may map a 4 MiB answer
        // into 128 variables, and converting it for each would hold hundreds of megabytes for one request.
        Map<JsonNode, Object> converted = new IdentityHashMap<>();
        for (ContextVariableDefinition definition : workflow.contextVariables().definitions()) {
            if (!(definition.source() instanceof VariableSource.State state)) {
                continue;
            }
            for (StateTrigger trigger : state.triggers()) {
                if (trigger instanceof StateTrigger.UiResponse onResponse && onResponse.tool().equals(tool)) {
                    // An answer without the trigger's key (a dismissed picker, say) leaves the variable as it was.
                    JsonNode value = onResponse.responseKey().isPresent() ? response.get(onResponse.responseKey().get()) : response;
                    if (value != null) {
                        values.put(definition.name(), converted.computeIfAbsent(value, ContextState::plain));
                    }
                }
            }
        }
        return values;
    }

    /** The most variables one tool answer may set. */
    public static final int MAX_TOOL_UPDATES = 32;
    /** What the runtime sets itself ({@link #initial}): no tool may change it. */
    static final Set<String> RUNTIME_VARIABLES = Set.of("workflow_name", "app_id", "chat_id", "user_id");

    /** What a tool's {@code context_updates} did: the variables after it, those it set, and those refused with the reason. */
    public record ToolUpdates(Map<String, Object> variables, Map<String, Object> applied, List<Refusal> refused) {
    }

    /** A variable a tool may not set as it asked, and why; {@code name} is {@code null} for a note on the whole answer. */
    public record Refusal(String name, String reason) {
    }

    /**
     * Applies a tool's {@code context_updates}, in order: only the workflow's {@code state} and {@code runtime} variables
     * (never the runtime's own, nor {@code config} or data-backed ones), each of its declared type, at most
     * {@link ChatInputs#INLINE_UI_RESPONSE_CHARS} characters of JSON nested at most {@link InputLimits#MAX_DEPTH} deep, at
     * most {@value #MAX_TOOL_UPDATES} of them, and none that would take all the variables past
     * {@link ChatInputs#UI_VARIABLES_BUDGET} bytes of JSON. A refused one changes nothing and is named with its reason, for
     * the {@code tool_response} event; the tool's answer is untrusted, as any tenant input.
     */
    public static ToolUpdates applyToolUpdates(Workflow workflow, JsonNode updates, Map<String, Object> variables) {
        Map<String, Object> values = new LinkedHashMap<>(variables);
        Map<String, Object> applied = new LinkedHashMap<>();
        List<Refusal> refused = new java.util.ArrayList<>();
        if (updates == null || !updates.isObject()) {
            refused.add(new Refusal(null, "context_updates must be an object of variable names and values"));
            return new ToolUpdates(values, applied, refused);
        }
        Map<String, ContextVariableDefinition> defined = new LinkedHashMap<>();
        workflow.contextVariables().definitions().forEach(definition -> defined.put(definition.name(), definition));
        long total = ConversationState.utf8Length(Json.write(values));
        int seen = 0;
        for (java.util.Iterator<Map.Entry<String, JsonNode>> fields = updates.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> update = fields.next();
            if (++seen > MAX_TOOL_UPDATES) {
                refused.add(new Refusal(null, "one answer sets at most " + MAX_TOOL_UPDATES + " variables; the rest were not applied"));
                break;
            }
            String name = update.getKey();
            String shown = name.length() > 64 ? name.substring(0, 64) + "…" : name;
            JsonNode value = update.getValue();
            ContextVariableDefinition definition = defined.get(name);
            String refusal = RUNTIME_VARIABLES.contains(name) ? "is set by the runtime"
                    : definition == null ? "is not defined in context_variables.yaml"
                    : !(definition.source() instanceof VariableSource.State || definition.source() instanceof VariableSource.Runtime)
                            ? "is not set by tools (only state and runtime variables are)"
                    : !ofType(definition, value) ? "must be of type " + definition.type().orElse("")
                    : InputLimits.depth(value) > InputLimits.MAX_DEPTH ? "is nested deeper than " + InputLimits.MAX_DEPTH + " levels"
                    : value.toString().length() > ChatInputs.INLINE_UI_RESPONSE_CHARS
                            ? "is over " + ChatInputs.INLINE_UI_RESPONSE_CHARS + " characters of JSON" : null;
            if (refusal == null) {
                long grown = ConversationState.utf8Length(value.toString()) - ConversationState.utf8Length(Json.write(values.get(name)));
                if (total + grown > ChatInputs.UI_VARIABLES_BUDGET) {
                    refusal = "would take the chat's variables past " + ChatInputs.UI_VARIABLES_BUDGET / 1024 + " KB";
                } else {
                    total += grown;
                }
            }
            if (refusal != null) {
                refused.add(new Refusal(shown, refusal));
                continue;
            }
            Object plain = plain(value);
            values.put(name, plain);
            applied.put(name, plain);
        }
        return new ToolUpdates(values, applied, refused);
    }

    /** Whether a value fits its variable's declared type ({@code null} fits any; a type word not known here, anything). */
    private static boolean ofType(ContextVariableDefinition definition, JsonNode value) {
        if (value == null || value.isNull() || definition.type().isEmpty()) {
            return true;
        }
        return switch (definition.type().get().strip().toLowerCase(java.util.Locale.ROOT)) {
            case "boolean", "bool" -> value.isBoolean();
            case "string", "str" -> value.isTextual();
            case "integer", "int" -> value.isIntegralNumber();
            case "number", "float" -> value.isNumber();
            case "object", "dict" -> value.isObject();
            case "array", "list" -> value.isArray();
            default -> true;
        };
    }

    /**
     * A JSON value as the plain Java value conditions and BSON understand: objects as {@link org.bson.Document}s, arrays as
     * lists. Read as plain JSON, never as MongoDB's extended JSON: a {@code {"$date": ...}} from a tool or a user is an
     * object like any other, not a date (and not a parse failure).
     */
    public static Object plain(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isObject()) {
            org.bson.Document document = new org.bson.Document();
            value.fields().forEachRemaining(field -> document.put(field.getKey(), plain(field.getValue())));
            return document;
        }
        if (value.isArray()) {
            List<Object> list = new java.util.ArrayList<>(value.size());
            value.forEach(element -> list.add(plain(element)));
            return list;
        }
        return JSON.convertValue(value, Object.class);
    }

    /**
     * The block appended to {@code agent}'s system message: its exposed variables, one per line, in
     * manifest order; empty when it has none.
     */
    public static String exposure(Workflow workflow, String agent, Map<String, Object> variables) {
        List<String> names = workflow.contextVariables().exposedTo(agent);
        if (names.isEmpty()) {
            return "";
        }
        StringBuilder block = new StringBuilder("[CONTEXT VARIABLES]");
        for (String name : names) {
            block.append('\n').append(name).append(": ").append(render(variables.get(name)));
        }
        return block.toString();
    }

    private static String render(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Boolean bool) {
            return bool ? "True" : "False";
        }
        if (value instanceof org.bson.Document document) {
            return document.toJson();
        }
        return String.valueOf(value);
    }
}
