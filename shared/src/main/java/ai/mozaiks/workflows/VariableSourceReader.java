package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.StateTrigger;
import ai.mozaiks.workflows.manifest.TextMatch;
import ai.mozaiks.workflows.manifest.VariableSource;
import ai.mozaiks.workflows.manifest.VariableSource.FileFormat;
import ai.mozaiks.workflows.manifest.VariableSource.RefreshStrategy;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads a context variable's {@code source}, one method per {@code source.type}. */
final class VariableSourceReader {
    private static final List<String> TYPES = List.of(
            "config", "state", "runtime", "data_reference", "data_entity", "computed", "external", "file");

    /** Sources read and checked but not loaded by the engine (their variables start as null). */
    private static final Set<String> NOT_LOADED = Set.of("data_reference", "data_entity", "computed", "external", "file");

    private VariableSourceReader() {
    }

    static Optional<VariableSource> read(ManifestNode source, SymbolTable symbols) {
        ManifestNode typeNode = source.get("type");
        Optional<String> type = typeNode.requiredString();
        if (type.isEmpty()) {
            return Optional.empty();
        }
        if (NOT_LOADED.contains(type.get())) {
            typeNode.warning("not loaded yet: a " + type.get() + " variable starts as null here");
        }
        return switch (type.get()) {
            case "config" -> config(source);
            case "state" -> state(source, symbols);
            case "runtime" -> runtime(source);
            case "data_reference" -> dataReference(source);
            case "data_entity" -> dataEntity(source);
            case "computed" -> computed(source);
            case "external" -> external(source);
            case "file" -> file(source);
            default -> {
                typeNode.error("unknown value \"" + type.get() + "\" (expected " + String.join(", ", TYPES) + ")");
                yield Optional.empty();
            }
        };
    }

    private static Optional<VariableSource> config(ManifestNode source) {
        source.warnUnknownKeys(Set.of("type", "env_var", "default", "required"));
        return Optional.of(new VariableSource.Config(
                source.get("env_var").string(),
                source.get("default").plain(),
                source.get("required").bool().orElse(false)));
    }

    private static Optional<VariableSource> runtime(ManifestNode source) {
        source.warnUnknownKeys(Set.of("type", "default"));
        return Optional.of(new VariableSource.Runtime(source.get("default").plain()));
    }

    private static Optional<VariableSource> state(ManifestNode source, SymbolTable symbols) {
        source.warnUnknownKeys(Set.of("type", "default", "triggers"));
        List<StateTrigger> triggers = new ArrayList<>();
        boolean valid = true;
        for (ManifestNode item : source.get("triggers").list()) {
            Optional<StateTrigger> trigger = item.expectMapping() ? trigger(item, symbols) : Optional.empty();
            trigger.ifPresent(triggers::add);
            valid &= trigger.isPresent();
        }
        return valid ? Optional.of(new VariableSource.State(source.get("default").plain(), triggers)) : Optional.empty();
    }

    private static Optional<StateTrigger> trigger(ManifestNode trigger, SymbolTable symbols) {
        ManifestNode typeNode = trigger.get("type");
        Optional<String> type = typeNode.requiredString();
        if (type.isEmpty()) {
            return Optional.empty();
        }
        switch (type.get()) {
            case "agent_text" -> {
                trigger.warnUnknownKeys(Set.of("type", "agent", "match", "ui_hidden"));
                ManifestNode agentNode = trigger.get("agent");
                Optional<String> agent = agentNode.requiredString();
                agent.ifPresent(name -> symbols.useAgent(agentNode, name));
                Optional<TextMatch> match = match(trigger.get("match"));
                boolean uiHidden = trigger.get("ui_hidden").bool().orElse(false);
                return agent.isPresent() && match.isPresent()
                        ? Optional.of(new StateTrigger.AgentText(agent.get(), match.get(), uiHidden))
                        : Optional.empty();
            }
            case "ui_response" -> {
                trigger.warnUnknownKeys(Set.of("type", "tool", "response_key"));
                ManifestNode toolNode = trigger.get("tool");
                Optional<String> tool = toolNode.requiredString();
                tool.ifPresent(name -> symbols.useUiTool(toolNode, name));
                return tool.map(name -> new StateTrigger.UiResponse(name, trigger.get("response_key").string()));
            }
            default -> {
                typeNode.error("unknown value \"" + type.get() + "\" (expected agent_text, ui_response)");
                return Optional.empty();
            }
        }
    }

    private static Optional<TextMatch> match(ManifestNode match) {
        if (!match.present()) {
            match.error("is required");
            return Optional.empty();
        }
        if (!match.expectMapping()) {
            return Optional.empty();
        }
        match.warnUnknownKeys(Set.of("equals", "contains", "regex"));
        List<String> given = new ArrayList<>();
        for (String key : List.of("equals", "contains", "regex")) {
            if (match.get(key).present()) {
                given.add(key);
            }
        }
        if (given.size() != 1) {
            match.error("needs exactly one of equals, contains, regex");
            return Optional.empty();
        }
        String key = given.get(0);
        ManifestNode valueNode = match.get(key);
        Optional<String> value = valueNode.string();
        if (value.isEmpty()) {
            return Optional.empty();
        }
        return switch (key) {
            case "equals" -> Optional.of(new TextMatch.Equals(value.get()));
            case "contains" -> Optional.of(new TextMatch.Contains(value.get()));
            default -> {
                try {
                    yield Optional.of(new TextMatch.Regex(value.get()));
                } catch (PatternSyntaxException e) {
                    valueNode.error("invalid regex: " + e.getDescription());
                    yield Optional.empty();
                }
            }
        };
    }

    private static Optional<VariableSource> dataReference(ManifestNode source) {
        source.warnUnknownKeys(Set.of("type", "database_name", "collection", "query_template", "fields", "refresh_strategy"));
        Optional<String> collection = source.get("collection").requiredString();
        Optional<RefreshStrategy> refresh = source.get("refresh_strategy")
                .choice(value -> lowerEnum(RefreshStrategy.class, value), List.of("once", "per_phase", "on_demand"));
        Map<String, Object> query = mapping(source.get("query_template"));
        return collection.map(name -> new VariableSource.DataReference(
                source.get("database_name").string(), name, query, source.get("fields").strings(),
                refresh.orElse(RefreshStrategy.ONCE)));
    }

    private static Optional<VariableSource> dataEntity(ManifestNode source) {
        source.warnUnknownKeys(Set.of("type", "schema", "indexes", "write_strategy", "search_by"));
        List<Object> indexes = new ArrayList<>();
        source.get("indexes").list().forEach(index -> indexes.add(index.plain().orElse(null)));
        return Optional.of(new VariableSource.DataEntity(
                source.get("schema").plain(),
                java.util.Collections.unmodifiableList(indexes),
                source.get("write_strategy").string(),
                source.get("search_by").strings()));
    }

    private static Optional<VariableSource> computed(ManifestNode source) {
        source.warnUnknownKeys(Set.of("type", "computation", "inputs", "output_type", "persist_to"));
        return Optional.of(new VariableSource.Computed(source.get("computation").string(), source.get("inputs").strings(),
                source.get("output_type").string(), source.get("persist_to").string()));
    }

    private static Optional<VariableSource> external(ManifestNode source) {
        source.warnUnknownKeys(Set.of("type", "service", "operation", "params", "auth", "cache", "retry"));
        Optional<String> service = source.get("service").requiredString();
        Optional<String> operation = source.get("operation").requiredString();
        Map<String, Object> params = mapping(source.get("params"));
        if (service.isEmpty() || operation.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new VariableSource.External(service.get(), operation.get(), params,
                source.get("auth").plain(), source.get("cache").plain(), source.get("retry").plain()));
    }

    private static Optional<VariableSource> file(ManifestNode source) {
        source.warnUnknownKeys(Set.of("type", "path", "format"));
        Optional<FileFormat> format = source.get("format")
                .choice(value -> lowerEnum(FileFormat.class, value), List.of("json", "yaml", "text"));
        return source.get("path").requiredString().map(path -> new VariableSource.File(path, format));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mapping(ManifestNode node) {
        if (!node.present()) {
            return Map.of();
        }
        return node.expectMapping() ? (Map<String, Object>) node.plain().orElseThrow() : Map.of();
    }

    private static <E extends Enum<E>> Optional<E> lowerEnum(Class<E> type, String value) {
        return Arrays.stream(type.getEnumConstants())
                .filter(constant -> constant.name().toLowerCase(Locale.ROOT).equals(value))
                .findFirst();
    }
}
