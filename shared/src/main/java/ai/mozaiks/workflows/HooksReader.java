package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.HookSpec;
import ai.mozaiks.workflows.manifest.ToolImplementation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads {@code hooks.yaml}. Hooks run inside the agent's turn, so only a Java implementation can serve one. */
final class HooksReader {
    static final String FILE = "hooks.yaml";

    private HooksReader() {
    }

    static List<HookSpec> read(ManifestNode root, SymbolTable symbols) {
        root.warnUnknownKeys(Set.of("hooks"));
        List<String> types = Arrays.stream(HookSpec.Type.values()).map(HookSpec.Type::manifestName).toList();
        List<HookSpec> hooks = new ArrayList<>();
        for (ManifestNode item : root.get("hooks").list()) {
            if (!item.expectMapping()) {
                continue;
            }
            item.warnUnknownKeys(Set.of("hook_type", "hook_agent", "filename", "function", "implementation"));
            ManifestNode typeNode = item.get("hook_type");
            if (!typeNode.present()) {
                typeNode.error("is required");
            }
            Optional<HookSpec.Type> type = typeNode.choice(HookSpec.Type::fromManifest, types);
            ManifestNode agentNode = item.get("hook_agent");
            Optional<String> agent = agentNode.requiredString();
            agent.filter(name -> !name.equals(HookSpec.ALL_AGENTS)).ifPresent(name -> symbols.useAgent(agentNode, name));
            Optional<ToolImplementation.JavaClass> implementation = implementation(item);
            if (type.isPresent() && agent.isPresent() && implementation.isPresent()) {
                hooks.add(new HookSpec(type.get(), agent.get(), implementation.get()));
                typeNode.warning("not run yet: hooks are accepted but this platform does not call them");
            }
        }
        return hooks;
    }

    private static Optional<ToolImplementation.JavaClass> implementation(ManifestNode item) {
        ManifestNode node = item.get("implementation");
        if (node.present()) {
            return ImplementationReader.read(node).map(ToolImplementation.JavaClass.class::cast);
        }
        String function = item.get("function").string().orElse("?");
        Optional<String> file = item.get("filename").string();
        if (file.isPresent()) {
            item.get("filename").error("hook \"" + function + "\" is implemented in Python (\"" + file.get()
                    + "\"), which this platform does not run; declare an implementation (java)");
        } else {
            node.error("hook \"" + function + "\" needs an implementation (java)");
        }
        return Optional.empty();
    }
}
