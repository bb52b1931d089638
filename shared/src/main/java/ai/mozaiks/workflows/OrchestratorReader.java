package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.DoubleTexting;
import ai.mozaiks.workflows.manifest.OrchestrationPattern;
import ai.mozaiks.workflows.manifest.OrchestratorConfig;
import ai.mozaiks.workflows.manifest.StartupMode;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Reads {@code orchestrator.yaml}. */
final class OrchestratorReader {
    static final String FILE = "orchestrator.yaml";

    private static final Set<String> KEYS = Set.of(
            "workflow_name", "max_turns", "human_in_the_loop", "startup_mode", "orchestration_pattern",
            "initial_agent", "initial_message", "initial_message_to_user", "entry_point", "runtime_extensions",
            "pack", "double_texting",
            // Descriptive keys some manifests carry; the runtime does not read them.
            "metadata", "triggers", "inputs", "outputs");
    private static final Set<String> TRUE_WORDS = Set.of("true", "yes", "1", "on", "always");
    private static final Set<String> FALSE_WORDS = Set.of("false", "no", "0", "off", "never", "");

    private OrchestratorReader() {
    }

    static OrchestratorConfig read(ManifestNode root, String folderName, SymbolTable symbols) {
        root.warnUnknownKeys(KEYS);

        ManifestNode workflowNameNode = root.get("workflow_name");
        Optional<String> workflowName = workflowNameNode.string();
        workflowName.filter(name -> !name.equalsIgnoreCase(folderName)).ifPresent(name -> workflowNameNode.warning(
                "\"" + name + "\" differs from the folder name \"" + folderName + "\", which is the workflow's id"));

        ManifestNode maxTurnsNode = root.get("max_turns");
        int maxTurns = maxTurnsNode.integer().filter(turns -> {
            if (turns < 1) {
                maxTurnsNode.error("must be at least 1");
            }
            return turns >= 1;
        }).orElse(OrchestratorConfig.DEFAULT_MAX_TURNS);

        StartupMode startupMode = root.get("startup_mode")
                .choice(StartupMode::fromManifest, names(StartupMode.values()))
                .orElse(StartupMode.AGENT_DRIVEN);
        OrchestrationPattern pattern = root.get("orchestration_pattern")
                .choice(OrchestrationPattern::fromManifest, names(OrchestrationPattern.values()))
                .orElse(OrchestrationPattern.DEFAULT);

        ManifestNode initialAgentNode = root.get("initial_agent");
        Optional<String> initialAgent = initialAgentNode.string();
        initialAgent.ifPresent(agent -> symbols.useAgent(initialAgentNode, agent));

        ManifestNode packNode = root.get("pack");
        Optional<String> pack = packNode.string().filter(name -> {
            if (!Names.valid(name)) {
                packNode.error(Names.invalid(name));
            }
            return Names.valid(name);
        });

        rejectRuntimeExtensions(root.get("runtime_extensions"));

        return new OrchestratorConfig(
                workflowName,
                maxTurns,
                humanInTheLoop(root.get("human_in_the_loop")),
                startupMode,
                pattern,
                initialAgent,
                root.get("initial_message").string(),
                root.get("initial_message_to_user").string(),
                root.get("entry_point").bool().orElse(false),
                pack,
                root.get("double_texting")
                        .choice(DoubleTexting::fromManifest, Arrays.stream(DoubleTexting.values()).map(DoubleTexting::manifestName).toList())
                        .orElse(DoubleTexting.ENQUEUE));
    }

    /** The runtime accepts booleans and the words "true/yes/1/on/always"; anything else means false. */
    private static boolean humanInTheLoop(ManifestNode node) {
        if (!node.present()) {
            return false;
        }
        Optional<Boolean> bool = node.isMapping() || node.isList() ? Optional.empty() : scalarBoolean(node);
        if (bool.isEmpty()) {
            node.warning("not a recognised boolean; treated as false");
            return false;
        }
        return bool.get();
    }

    private static Optional<Boolean> scalarBoolean(ManifestNode node) {
        Object value = node.plain().orElse("");
        String word = String.valueOf(value).strip().toLowerCase(Locale.ROOT);
        if (TRUE_WORDS.contains(word)) {
            return Optional.of(true);
        }
        return FALSE_WORDS.contains(word) ? Optional.of(false) : Optional.empty();
    }

    // Extensions name Python modules ("module:attr") loaded into the runtime's process; nothing here can run them.
    private static void rejectRuntimeExtensions(ManifestNode node) {
        for (ManifestNode extension : node.list()) {
            String entrypoint = extension.isMapping() ? extension.get("entrypoint").string().orElse("?") : "?";
            extension.error("runtime extension \"" + entrypoint + "\" is a Python module, which this platform does not run");
        }
    }

    private static List<String> names(StartupMode[] modes) {
        return Arrays.stream(modes).map(StartupMode::manifestName).toList();
    }

    private static List<String> names(OrchestrationPattern[] patterns) {
        return Arrays.stream(patterns).map(OrchestrationPattern::manifestName).toList();
    }
}
