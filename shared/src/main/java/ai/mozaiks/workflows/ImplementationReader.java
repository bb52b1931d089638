package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.ToolImplementation;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code implementation}, this platform's replacement for the runtime's Python {@code file}:
 * <pre>
 * implementation: {type: java, class: ai.mozaiks.tools.builtin.CurrentTime}
 * implementation: {type: http, url: https://tools.example.com/lookup, method: POST}
 * implementation: {type: http, url: https://tools.example.com/build, method: POST, context: [app_spec]}
 * </pre>
 * {@code context} names the context variables an HTTP tool reads: they are sent in its request body beside the arguments.
 */
final class ImplementationReader {
    private static final Pattern CLASS_NAME =
            Pattern.compile("([A-Za-z_$][A-Za-z0-9_$]*\\.)*[A-Za-z_$][A-Za-z0-9_$]*");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");
    private static final Set<String> WITH_BODY = Set.of("POST", "PUT", "PATCH");

    private ImplementationReader() {
    }

    /** A hook's implementation: Java only. */
    static Optional<ToolImplementation> read(ManifestNode node) {
        return read(node, false, null);
    }

    /** A tool's: Java or HTTP, the variables an HTTP tool reads checked against {@code symbols}. */
    static Optional<ToolImplementation> read(ManifestNode node, SymbolTable symbols) {
        return read(node, true, symbols);
    }

    private static Optional<ToolImplementation> read(ManifestNode node, boolean httpAllowed, SymbolTable symbols) {
        if (!node.expectMapping()) {
            return Optional.empty();
        }
        ManifestNode typeNode = node.get("type");
        Optional<String> type = typeNode.requiredString();
        if (type.isEmpty()) {
            return Optional.empty();
        }
        if (type.get().equals("java")) {
            node.warnUnknownKeys(Set.of("type", "class"));
            return java(node.get("class")).map(ToolImplementation.class::cast);
        }
        if (type.get().equals("http") && httpAllowed) {
            node.warnUnknownKeys(Set.of("type", "url", "method", "context"));
            return http(node, symbols);
        }
        typeNode.error("unknown value \"" + type.get() + "\" (expected " + (httpAllowed ? "java, http" : "java") + ")");
        return Optional.empty();
    }

    static Optional<ToolImplementation.JavaClass> java(ManifestNode classNode) {
        return classNode.requiredString().flatMap(name -> {
            if (!CLASS_NAME.matcher(name).matches()) {
                classNode.error("invalid Java class name \"" + name + "\"");
                return Optional.empty();
            }
            return Optional.of(new ToolImplementation.JavaClass(name));
        });
    }

    private static Optional<ToolImplementation> http(ManifestNode node, SymbolTable symbols) {
        ManifestNode urlNode = node.get("url");
        Optional<URI> url = urlNode.requiredString().flatMap(text -> {
            try {
                URI uri = new URI(text);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                    return Optional.of(uri);
                }
            } catch (URISyntaxException e) {
                // reported below, like any other unusable URL
            }
            urlNode.error("\"" + text + "\" is not an absolute http or https URL");
            return Optional.empty();
        });
        Optional<String> method = node.get("method").choice(
                value -> Optional.of(value).filter(METHODS::contains), METHODS);
        if (node.get("method").present() && method.isEmpty()) {
            return Optional.empty();
        }
        ManifestNode contextNode = node.get("context");
        List<String> context = contextNode.present() ? contextNode.strings() : List.of();
        context.forEach(variable -> symbols.useVariable(contextNode, variable));
        if (!context.isEmpty() && !WITH_BODY.contains(method.orElse("POST"))) {
            contextNode.error("context variables are sent in the request body: use POST, PUT or PATCH");
            return Optional.empty();
        }
        return url.map(uri -> new ToolImplementation.Http(uri, method.orElse("POST"), context));
    }
}
