package ai.mozaiks.workflows.manifest;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/** What runs when a tool is called. The Python runtime's {@code file} has no equivalent here. */
public sealed interface ToolImplementation {

    /** A Java class the platform has registered under its fully qualified name. */
    record JavaClass(String className) implements ToolImplementation {
        public JavaClass {
            Objects.requireNonNull(className, "className");
        }
    }

    /**
     * An HTTP endpoint that receives the call's arguments as JSON; with {@code context} (variable names), the body is
     * {@code {"arguments": {...}, "context_variables": {...}}} holding those variables' values.
     */
    record Http(URI url, String method, List<String> context) implements ToolImplementation {
        public Http {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(method, "method");
            context = List.copyOf(context);
        }

        public Http(URI url, String method) {
            this(url, method, List.of());
        }
    }
}
