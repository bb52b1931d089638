package ai.mozaiks.workflows.manifest;

import java.net.URI;
import java.util.Objects;

/** What runs when a tool is called. The Python runtime's {@code file} has no equivalent here. */
public sealed interface ToolImplementation {

    /** A Java class the platform has registered under its fully qualified name. */
    record JavaClass(String className) implements ToolImplementation {
        public JavaClass {
            Objects.requireNonNull(className, "className");
        }
    }

    /** An HTTP endpoint that receives the call's arguments as JSON. */
    record Http(URI url, String method) implements ToolImplementation {
        public Http {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(method, "method");
        }
    }
}
