package ai.mozaiks.workflows.manifest;

import java.util.List;
import java.util.Objects;

/** The type of a structured-output field, as written in {@code structured_outputs.yaml}. */
public sealed interface FieldType {

    /**
     * {@code str}/{@code string}, {@code int}, {@code float}, {@code bool}, free-form {@code dict}, and a free-form
     * {@code list} among a union's variants (named without its items, as Python's bare {@code list}).
     */
    record Scalar(Kind kind) implements FieldType {
        public Scalar {
            Objects.requireNonNull(kind, "kind");
        }
    }

    /** {@code list} with {@code items}, or {@code list[Item]}. */
    record ListOf(FieldType items) implements FieldType {
        public ListOf {
            Objects.requireNonNull(items, "items");
        }
    }

    /** {@code optional_str}, {@code optional_list}, or a {@code union} with a {@code 'null'} variant. */
    record Nullable(FieldType inner) implements FieldType {
        public Nullable {
            Objects.requireNonNull(inner, "inner");
        }
    }

    /** {@code literal}: one of {@code values}. */
    record Literal(List<Object> values) implements FieldType {
        public Literal {
            values = List.copyOf(values);
        }
    }

    /** {@code union} of {@code variants} (without the null one, which makes it {@link Nullable}). */
    record Union(List<FieldType> variants) implements FieldType {
        public Union {
            variants = List.copyOf(variants);
        }
    }

    /** Another model of the same file, inlined where it is used. */
    record ModelRef(String model) implements FieldType {
        public ModelRef {
            Objects.requireNonNull(model, "model");
        }
    }

    enum Kind {
        STRING("string"), INTEGER("integer"), NUMBER("number"), BOOLEAN("boolean"), OBJECT("object"), ARRAY("array");

        private final String jsonType;

        Kind(String jsonType) {
            this.jsonType = jsonType;
        }

        public String jsonType() {
            return jsonType;
        }
    }
}
