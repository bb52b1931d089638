package ai.mozaiks.workflows.manifest;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a context variable's value comes from ({@code source.type}). Nested values that the manifest
 * leaves free-form (query templates, schemas, parameters) are plain, unmodifiable Java values:
 * maps, lists, strings, numbers, booleans and nulls.
 */
public sealed interface VariableSource {

    /** The manifest's {@code source.type}. */
    String type();

    /** One of the app's own settings, named by {@code env_var} (else by the variable); never the deployment's environment. */
    record Config(Optional<String> envVar, Optional<Object> defaultValue, boolean required) implements VariableSource {
        public Config {
            Objects.requireNonNull(envVar, "envVar");
            Objects.requireNonNull(defaultValue, "defaultValue");
        }

        @Override
        public String type() {
            return "config";
        }
    }

    /** Conversation state, changed by triggers. */
    record State(Optional<Object> defaultValue, List<StateTrigger> triggers) implements VariableSource {
        public State {
            Objects.requireNonNull(defaultValue, "defaultValue");
            triggers = List.copyOf(triggers);
        }

        @Override
        public String type() {
            return "state";
        }
    }

    /** Set at run time by tools or the platform, starting from the default. */
    record Runtime(Optional<Object> defaultValue) implements VariableSource {
        public Runtime {
            Objects.requireNonNull(defaultValue, "defaultValue");
        }

        @Override
        public String type() {
            return "runtime";
        }
    }

    /** Documents read from a collection. */
    record DataReference(
            Optional<String> databaseName,
            String collection,
            Map<String, Object> queryTemplate,
            List<String> fields,
            RefreshStrategy refreshStrategy) implements VariableSource {
        public DataReference {
            Objects.requireNonNull(databaseName, "databaseName");
            Objects.requireNonNull(collection, "collection");
            Objects.requireNonNull(queryTemplate, "queryTemplate");
            fields = List.copyOf(fields);
            Objects.requireNonNull(refreshStrategy, "refreshStrategy");
        }

        @Override
        public String type() {
            return "data_reference";
        }
    }

    /** Documents this workflow writes. */
    record DataEntity(
            Optional<Object> schema,
            List<Object> indexes,
            Optional<String> writeStrategy,
            List<String> searchBy) implements VariableSource {
        public DataEntity {
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(indexes, "indexes");
            Objects.requireNonNull(writeStrategy, "writeStrategy");
            searchBy = List.copyOf(searchBy);
        }

        @Override
        public String type() {
            return "data_entity";
        }
    }

    /** Derived from other values; the format makes {@code computation} optional. */
    record Computed(
            Optional<String> computation,
            List<String> inputs,
            Optional<String> outputType,
            Optional<String> persistTo) implements VariableSource {
        public Computed {
            Objects.requireNonNull(computation, "computation");
            inputs = List.copyOf(inputs);
            Objects.requireNonNull(outputType, "outputType");
            Objects.requireNonNull(persistTo, "persistTo");
        }

        @Override
        public String type() {
            return "computed";
        }
    }

    /** A call to another service. */
    record External(
            String service,
            String operation,
            Map<String, Object> params,
            Optional<Object> auth,
            Optional<Object> cache,
            Optional<Object> retry) implements VariableSource {
        public External {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(params, "params");
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(cache, "cache");
            Objects.requireNonNull(retry, "retry");
        }

        @Override
        public String type() {
            return "external";
        }
    }

    /** A file of the workflow's bundle. */
    record File(String path, Optional<FileFormat> format) implements VariableSource {
        public File {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(format, "format");
        }

        @Override
        public String type() {
            return "file";
        }
    }

    enum RefreshStrategy {
        ONCE, PER_PHASE, ON_DEMAND
    }

    enum FileFormat {
        JSON, YAML, TEXT
    }
}
