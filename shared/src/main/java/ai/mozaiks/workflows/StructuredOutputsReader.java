package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.FieldType;
import ai.mozaiks.workflows.manifest.OutputField;
import ai.mozaiks.workflows.manifest.OutputModel;
import ai.mozaiks.workflows.manifest.StructuredOutputs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code structured_outputs.yaml}: {@code structured_outputs: {models, registry}}, or the same two
 * keys at the top level.
 */
final class StructuredOutputsReader {
    static final String FILE = "structured_outputs.yaml";

    private static final Set<String> BODY_KEYS = Set.of("models", "registry");

    private StructuredOutputsReader() {
    }

    static StructuredOutputs read(ManifestNode root, SymbolTable symbols) {
        ManifestNode body = root;
        if (root.get("structured_outputs").present()) {
            root.warnUnknownKeys(Set.of("structured_outputs"));
            body = root.get("structured_outputs");
            if (!body.expectMapping()) {
                return StructuredOutputs.EMPTY;
            }
        }
        body.warnUnknownKeys(BODY_KEYS);

        Map<String, ManifestNode> modelNodes = body.get("models").mapping();
        modelNodes.keySet().forEach(symbols::declareModel);
        FieldTypeReader types = new FieldTypeReader(modelNodes.keySet());
        Map<String, OutputModel> models = new LinkedHashMap<>();
        modelNodes.forEach((name, node) -> model(name, node, types).ifPresent(model -> models.put(name, model)));
        rejectSelfReference(models, modelNodes);

        Map<String, String> registry = new LinkedHashMap<>();
        body.get("registry").mapping().forEach((agent, modelNode) -> {
            symbols.useAgent(modelNode, agent);
            modelNode.string().ifPresent(model -> {
                symbols.useModel(modelNode, model);
                symbols.declareModelFor(agent);
                registry.put(agent, model);
            });
        });
        return new StructuredOutputs(models, registry);
    }

    private static Optional<OutputModel> model(String name, ManifestNode node, FieldTypeReader types) {
        if (!Names.valid(name)) {
            node.error(Names.invalid(name));
            return Optional.empty();
        }
        if (!node.expectMapping()) {
            return Optional.empty();
        }
        node.warnUnknownKeys(Set.of("type", "fields"));
        ManifestNode typeNode = node.get("type");
        typeNode.string().filter(type -> !type.equals("model"))
                .ifPresent(type -> typeNode.error("unknown value \"" + type + "\" (expected model)"));
        ManifestNode fieldsNode = node.get("fields");
        if (!fieldsNode.present()) {
            fieldsNode.error("is required");
            return Optional.empty();
        }
        List<OutputField> fields = new ArrayList<>();
        boolean valid = true;
        for (Map.Entry<String, ManifestNode> entry : fieldsNode.mapping().entrySet()) {
            Optional<OutputField> field = field(entry.getKey(), entry.getValue(), types);
            field.ifPresent(fields::add);
            valid &= field.isPresent();
        }
        return valid ? Optional.of(new OutputModel(name, fields)) : Optional.empty();
    }

    private static Optional<OutputField> field(String name, ManifestNode node, FieldTypeReader types) {
        if (!Names.valid(name)) {
            node.error(Names.invalid(name));
            return Optional.empty();
        }
        if (!node.expectMapping()) {
            return Optional.empty();
        }
        node.warnUnknownKeys(Set.of("type", "description", "default", "items", "variants", "values"));
        return types.read(node).map(type ->
                new OutputField(name, type, node.get("description").string(), node.get("default").plain()));
    }

    /** Models are inlined into the agent's schema, so a model may not contain itself, directly or not. */
    private static void rejectSelfReference(Map<String, OutputModel> models, Map<String, ManifestNode> nodes) {
        for (OutputModel model : models.values()) {
            List<String> cycle = cycleFrom(model.name(), model.name(), models, new ArrayList<>());
            if (cycle != null) {
                nodes.get(model.name()).error("model \"" + model.name() + "\" contains itself ("
                        + String.join(" -> ", cycle) + "), which a strict JSON schema cannot inline");
            }
        }
    }

    private static List<String> cycleFrom(String start, String current, Map<String, OutputModel> models, List<String> trail) {
        OutputModel model = models.get(current);
        if (model == null || trail.contains(current)) {
            return null;
        }
        trail.add(current);
        for (OutputField field : model.fields()) {
            for (String referenced : references(field.type())) {
                if (referenced.equals(start)) {
                    List<String> cycle = new ArrayList<>(trail);
                    cycle.add(start);
                    return cycle;
                }
                List<String> found = cycleFrom(start, referenced, models, trail);
                if (found != null) {
                    return found;
                }
            }
        }
        trail.remove(trail.size() - 1);
        return null;
    }

    private static List<String> references(FieldType type) {
        if (type instanceof FieldType.ModelRef ref) {
            return List.of(ref.model());
        }
        if (type instanceof FieldType.ListOf list) {
            return references(list.items());
        }
        if (type instanceof FieldType.Nullable nullable) {
            return references(nullable.inner());
        }
        if (type instanceof FieldType.Union union) {
            return union.variants().stream().flatMap(variant -> references(variant).stream()).toList();
        }
        return List.of();
    }
}
