package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.ContextVariableDefinition;
import ai.mozaiks.workflows.manifest.ContextVariables;
import ai.mozaiks.workflows.manifest.VariableExposure;
import ai.mozaiks.workflows.manifest.VariableSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads {@code context_variables.yaml}: definitions (list or mapping form) and per-agent exposure. */
final class ContextVariablesReader {
    static final String FILE = "context_variables.yaml";

    private static final Set<String> DEFINITION_KEYS = Set.of("name", "type", "description", "source");

    private ContextVariablesReader() {
    }

    static ContextVariables read(ManifestNode root, SymbolTable symbols) {
        root.warnUnknownKeys(Set.of("definitions", "agents"));
        List<ContextVariableDefinition> definitions = definitions(root.get("definitions"), symbols);
        List<VariableExposure> exposures = exposures(root.get("agents"), symbols);
        return new ContextVariables(definitions, exposures);
    }

    private static List<ContextVariableDefinition> definitions(ManifestNode node, SymbolTable symbols) {
        List<ContextVariableDefinition> definitions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        if (node.isList()) {
            for (ManifestNode item : node.list()) {
                if (item.expectMapping()) {
                    ManifestNode nameNode = item.get("name");
                    nameNode.requiredString().ifPresent(name ->
                            definition(name, nameNode, item, DEFINITION_KEYS, seen, symbols).ifPresent(definitions::add));
                }
            }
        } else if (node.isMapping()) {
            Set<String> keys = Set.of("type", "description", "source");
            for (Map.Entry<String, ManifestNode> field : node.mapping().entrySet()) {
                ManifestNode body = field.getValue();
                if (body.expectMapping()) {
                    definition(field.getKey(), body, body, keys, seen, symbols).ifPresent(definitions::add);
                }
            }
        } else if (node.present()) {
            node.error("expected a list of definitions or a mapping of variable names");
        }
        return definitions;
    }

    private static Optional<ContextVariableDefinition> definition(
            String name, ManifestNode nameNode, ManifestNode body, Set<String> keys, Set<String> seen, SymbolTable symbols) {
        symbols.declareVariable(name);
        body.warnUnknownKeys(keys);
        if (!Names.valid(name)) {
            nameNode.error(Names.invalid(name));
            return Optional.empty();
        }
        if (!seen.add(name)) {
            nameNode.error("duplicate context variable \"" + name + "\"");
            return Optional.empty();
        }
        if (ContextVariables.RUNTIME_VARIABLES.contains(name)) {
            nameNode.warning("\"" + name + "\" is set by the runtime, which overrides this definition");
        }
        Optional<String> type = body.get("type").string();
        Optional<String> description = body.get("description").string();
        ManifestNode sourceNode = body.get("source");
        if (!sourceNode.present()) {
            sourceNode.error("is required");
            return Optional.empty();
        }
        if (!sourceNode.expectMapping()) {
            return Optional.empty();
        }
        return VariableSourceReader.read(sourceNode, symbols)
                .map(source -> new ContextVariableDefinition(name, type, description, source));
    }

    /** A list of {@code {agent_name, variables}}, or a mapping from agent to its variables (or to {variables}). */
    private static List<VariableExposure> exposures(ManifestNode node, SymbolTable symbols) {
        List<VariableExposure> exposures = new ArrayList<>();
        if (node.isList()) {
            for (ManifestNode item : node.list()) {
                if (!item.expectMapping()) {
                    continue;
                }
                item.warnUnknownKeys(Set.of("agent_name", "variables"));
                ManifestNode agentNode = item.get("agent_name");
                agentNode.requiredString().ifPresent(agent ->
                        exposures.add(exposure(agent, agentNode, item.get("variables"), symbols)));
            }
        } else if (node.isMapping()) {
            for (Map.Entry<String, ManifestNode> field : node.mapping().entrySet()) {
                ManifestNode value = field.getValue();
                ManifestNode variables = value.isMapping() ? value.get("variables") : value;
                if (value.isMapping()) {
                    value.warnUnknownKeys(Set.of("variables"));
                }
                exposures.add(exposure(field.getKey(), value, variables, symbols));
            }
        } else if (node.present()) {
            node.error("expected a list of agents or a mapping of agent names");
        }
        return exposures;
    }

    private static VariableExposure exposure(String agent, ManifestNode agentNode, ManifestNode variablesNode, SymbolTable symbols) {
        symbols.useAgent(agentNode, agent);
        List<String> variables = new ArrayList<>();
        for (ManifestNode element : variablesNode.list()) {
            element.string().ifPresent(variable -> {
                symbols.useVariable(element, variable);
                variables.add(variable);
            });
        }
        return new VariableExposure(agent, variables);
    }
}
