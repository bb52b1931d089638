package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.AgentSpec;
import ai.mozaiks.workflows.manifest.ContextVariables;
import ai.mozaiks.workflows.manifest.FanOut;
import ai.mozaiks.workflows.manifest.HandoffRule;
import ai.mozaiks.workflows.manifest.HookSpec;
import ai.mozaiks.workflows.manifest.OrchestratorConfig;
import ai.mozaiks.workflows.manifest.StructuredOutputs;
import ai.mozaiks.workflows.manifest.UiConfig;
import ai.mozaiks.workflows.manifest.WorkflowTools;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads and validates one workflow, from its folder or from an uploaded bundle, in the on-disk format of
 * the Python runtime ({@code orchestrator.yaml}, {@code agents.yaml}, {@code handoffs.yaml},
 * {@code context_variables.yaml}, {@code structured_outputs.yaml}, {@code tools.yaml},
 * {@code ui_config.yaml}, {@code hooks.yaml}, and the fan-outs of {@code _pack/workflow_graph.json}). Only {@code orchestrator.yaml} and {@code agents.yaml}
 * are required. Never throws for bad content: everything is in the result's report. Thread-safe.
 */
public final class WorkflowLoader {
    public static final long MAX_FILE_BYTES = 256 * 1024;
    public static final int MAX_AGENTS = 50;

    /** The manifest files, in the order reports list their issues. */
    public static final List<String> MANIFEST_FILES = List.of(
            OrchestratorReader.FILE, AgentsReader.FILE, HandoffsReader.FILE, ContextVariablesReader.FILE,
            StructuredOutputsReader.FILE, ToolsReader.FILE, UiConfigReader.FILE, HooksReader.FILE, FanOutsReader.FILE);

    /** The workflow in {@code folder}; its name is the folder's name. */
    public WorkflowLoadResult load(Path folder) {
        return load(folder.getFileName().toString(), new FolderSource(folder));
    }

    /**
     * The workflow of an uploaded bundle.
     *
     * @param files content by path relative to the workflow folder ({@code agents.yaml}); other files are ignored
     */
    public WorkflowLoadResult load(String name, Map<String, byte[]> files) {
        return load(name, new BundleSource(files));
    }

    private WorkflowLoadResult load(String name, ManifestSource source) {
        Issues issues = new Issues();
        if (!Names.valid(name)) {
            issues.error("", "", "invalid workflow name \"" + name + "\" (use 1-64 letters, digits or _)");
        }
        SymbolTable symbols = new SymbolTable();
        // Read in dependency order; references are resolved once everything is declared.
        List<AgentSpec> agents = AgentsReader.read(document(source, AgentsReader.FILE, true, issues), symbols);
        OrchestratorConfig orchestrator =
                OrchestratorReader.read(document(source, OrchestratorReader.FILE, true, issues), name, symbols);
        StructuredOutputs outputs =
                StructuredOutputsReader.read(document(source, StructuredOutputsReader.FILE, false, issues), symbols);
        WorkflowTools tools = ToolsReader.read(document(source, ToolsReader.FILE, false, issues), symbols);
        ContextVariables variables =
                ContextVariablesReader.read(document(source, ContextVariablesReader.FILE, false, issues), symbols);
        List<HandoffRule> handoffs = HandoffsReader.read(
                document(source, HandoffsReader.FILE, false, issues), symbols, orchestrator.orchestrationPattern());
        UiConfig ui = UiConfigReader.read(document(source, UiConfigReader.FILE, false, issues), symbols);
        List<HookSpec> hooks = HooksReader.read(document(source, HooksReader.FILE, false, issues), symbols);
        List<FanOut> fanOuts = FanOutsReader.read(document(source, FanOutsReader.FILE, false, issues), symbols);
        symbols.check();

        ValidationReport report = issues.report();
        if (report.hasErrors()) {
            return new WorkflowLoadResult(name, Optional.empty(), report);
        }
        Workflow workflow = new Workflow(name, orchestrator.pack().orElse(name), orchestrator, agents, handoffs,
                variables, outputs, tools, hooks, ui, fanOuts);
        return new WorkflowLoadResult(name, Optional.of(workflow), report);
    }

    private static ManifestNode document(ManifestSource source, String file, boolean required, Issues issues) {
        return YamlDocuments.read(source, file, required, issues);
    }
}
