package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.HandoffRule;
import ai.mozaiks.workflows.manifest.UiConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads {@code ui_config.yaml}: {@code visual_agents}, and the display keys used when listing workflows. */
final class UiConfigReader {
    static final String FILE = "ui_config.yaml";

    private static final Set<String> KEYS = Set.of(
            "visual_agents", "display_name", "description", "icon", "category",
            // Present in some manifests; neither the runtime nor this platform reads them.
            "interactive", "dashboard");

    private UiConfigReader() {
    }

    static UiConfig read(ManifestNode root, SymbolTable symbols) {
        root.warnUnknownKeys(KEYS);
        ManifestNode visualNode = root.get("visual_agents");
        Optional<List<String>> visualAgents = Optional.empty();
        if (visualNode.present()) {
            List<String> agents = new ArrayList<>();
            for (ManifestNode element : visualNode.list()) {
                element.string().ifPresent(name -> {
                    if (Names.isUser(name)) {
                        agents.add(HandoffRule.USER);
                    } else {
                        symbols.useAgent(element, name);
                        agents.add(name);
                    }
                });
            }
            visualAgents = Optional.of(agents);
        }
        return new UiConfig(
                visualAgents,
                root.get("display_name").string(),
                root.get("description").string(),
                root.get("icon").string(),
                root.get("category").string());
    }
}
