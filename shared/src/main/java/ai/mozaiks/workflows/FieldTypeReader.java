package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.FieldType;
import ai.mozaiks.workflows.manifest.FieldType.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a structured-output field's {@code type} (with {@code items}, {@code values}, {@code variants}):
 * {@code str|string|int|float|bool|dict}, {@code optional_str}, {@code list}/{@code optional_list} with
 * {@code items}, {@code literal}, {@code union}, a model of the same file, or {@code list[T]}.
 */
final class FieldTypeReader {
    private static final Map<String, Kind> SCALARS = Map.of(
            "str", Kind.STRING, "string", Kind.STRING, "int", Kind.INTEGER, "float", Kind.NUMBER,
            "bool", Kind.BOOLEAN, "dict", Kind.OBJECT);

    private final Set<String> models;

    FieldTypeReader(Set<String> models) {
        this.models = models;
    }

    Optional<FieldType> read(ManifestNode field) {
        ManifestNode typeNode = field.get("type");
        Optional<String> type = typeNode.requiredString();
        if (type.isEmpty()) {
            return Optional.empty();
        }
        return switch (type.get()) {
            case "optional_str" -> Optional.of(new FieldType.Nullable(new FieldType.Scalar(Kind.STRING)));
            case "list" -> items(field).map(FieldType.ListOf::new);
            case "optional_list" -> items(field).map(items -> new FieldType.Nullable(new FieldType.ListOf(items)));
            case "literal" -> literal(field.get("values"));
            case "union" -> union(field.get("variants"));
            default -> named(typeNode, type.get());
        };
    }

    private Optional<FieldType> items(ManifestNode field) {
        ManifestNode itemsNode = field.get("items");
        if (!itemsNode.present()) {
            itemsNode.error("is required for a list type");
            return Optional.empty();
        }
        return itemsNode.requiredString().flatMap(items -> named(itemsNode, items));
    }

    private static Optional<FieldType> literal(ManifestNode valuesNode) {
        List<Object> values = new ArrayList<>();
        for (ManifestNode value : valuesNode.list()) {
            if (value.isMapping() || value.isList() || !value.present()) {
                value.error("expected a string, number or boolean");
                return Optional.empty();
            }
            values.add(value.plain().orElseThrow());
        }
        if (values.isEmpty()) {
            valuesNode.error("a literal needs at least one value");
            return Optional.empty();
        }
        return Optional.of(new FieldType.Literal(values));
    }

    /** A {@code 'null'} variant makes the union nullable; a union of one is that type. */
    private Optional<FieldType> union(ManifestNode variantsNode) {
        List<FieldType> variants = new ArrayList<>();
        boolean nullable = false;
        for (ManifestNode variant : variantsNode.list()) {
            Optional<String> name = variant.requiredString();
            if (name.isEmpty()) {
                return Optional.empty();
            }
            if (name.get().equals("null") || name.get().equals("None")) {
                nullable = true;
                continue;
            }
            if (name.get().equals("list")) {
                // A variant can name no items: a list of anything, as the format's Python reads Union[..., list].
                variants.add(new FieldType.Scalar(Kind.ARRAY));
                continue;
            }
            Optional<FieldType> type = named(variant, name.get());
            if (type.isEmpty()) {
                return Optional.empty();
            }
            variants.add(type.get());
        }
        if (variants.isEmpty()) {
            variantsNode.error("a union needs at least one non-null variant");
            return Optional.empty();
        }
        FieldType union = variants.size() == 1 ? variants.get(0) : new FieldType.Union(variants);
        return Optional.of(nullable ? new FieldType.Nullable(union) : union);
    }

    /** A scalar, {@code optional_str}, a model name, or {@code list[T]}. */
    private Optional<FieldType> named(ManifestNode at, String name) {
        Kind scalar = SCALARS.get(name);
        if (scalar != null) {
            return Optional.of(new FieldType.Scalar(scalar));
        }
        if (name.equals("optional_str")) {
            return Optional.of(new FieldType.Nullable(new FieldType.Scalar(Kind.STRING)));
        }
        if (name.startsWith("list[") && name.endsWith("]")) {
            return named(at, name.substring(5, name.length() - 1).strip()).map(FieldType.ListOf::new);
        }
        if (models.contains(name)) {
            return Optional.of(new FieldType.ModelRef(name));
        }
        at.error("unknown type \"" + name + "\"");
        return Optional.empty();
    }
}
