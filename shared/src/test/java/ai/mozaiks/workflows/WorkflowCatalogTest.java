package ai.mozaiks.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowCatalogTest {

    @Test
    void brokenWorkflowsAreReportedAndDoNotTakeTheOthersDown() {
        WorkflowCatalog catalog = WorkflowCatalog.load(Manifests.resource("catalog"));

        assertEquals(List.of("drafting", "pack_member"), catalog.workflows().stream().map(Workflow::name).toList());
        assertEquals(List.of("broken_handoff", "broken_yaml", "python_tools"), catalog.rejected());
        assertEquals(List.of(
                "broken_handoff/handoffs.yaml: handoff_rules[2].target_agent: unknown agent \"Reviewer\"",
                "broken_handoff/handoffs.yaml: handoff_rules[1]: replaces the after_work rule handoff_rules[0] of \"Writer\""
                        + " (the last one wins)",
                "broken_yaml/agents.yaml: line 3, column 28: invalid YAML: while parsing a flow sequence;"
                        + " expected ',' or ']', but got <stream end>",
                "python_tools/tools.yaml: tools[0].file: tool \"publish\" is implemented in Python (\"publish.py\"),"
                        + " which this platform does not run; declare an implementation (java or http)"),
                catalog.problems().stream().map(CatalogProblem::describe).toList());
        assertEquals(WorkflowIssue.Severity.WARNING, catalog.problems().get(1).issue().severity());
        assertTrue(catalog.reports().get("drafting").errors().isEmpty());
    }

    @Test
    void skipsSharedHiddenAndNonWorkflowFolders(@TempDir Path dir) throws IOException {
        for (String name : List.of("hello", "_shared", ".hidden", "assets")) {
            Files.createDirectory(dir.resolve(name));
        }
        for (String name : List.of("hello", "_shared", ".hidden")) {
            Files.writeString(dir.resolve(name).resolve("orchestrator.yaml"), "max_turns: 2\n");
            Files.writeString(dir.resolve(name).resolve("agents.yaml"), "agents:\n- {name: Greeter, system_message: Hi.}\n");
        }
        Files.writeString(dir.resolve("assets").resolve("logo.svg"), "<svg/>");
        Files.writeString(dir.resolve("README.md"), "# workflows");

        WorkflowCatalog catalog = WorkflowCatalog.load(dir);

        assertEquals(List.of("hello"), catalog.workflows().stream().map(Workflow::name).toList());
        assertEquals(List.of("hello"), List.copyOf(catalog.reports().keySet()));
        assertEquals(List.of(), catalog.problems());
    }

    @Test
    void aFolderWithSomeManifestsButNoOrchestratorIsReported(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("half"));
        Files.writeString(folder.resolve("agents.yaml"), "agents:\n- {name: A, system_message: x}\n");

        assertEquals(List.of("half/orchestrator.yaml: file is missing"),
                WorkflowCatalog.load(dir).problems().stream().map(CatalogProblem::describe).toList());
    }

    @Test
    void findsWorkflowsIgnoringCaseAndListsThemByPack() {
        WorkflowCatalog catalog = WorkflowCatalog.load(Manifests.resource("catalog"));

        assertEquals("drafting", catalog.find("Drafting").orElseThrow().name());
        assertEquals(Optional.empty(), catalog.find("broken_handoff"), "a refused workflow cannot be found");
        assertEquals(List.of("drafting", "pack_member"), catalog.pack("writing").stream().map(Workflow::name).toList());
        assertEquals(List.of(), catalog.pack("drafting"), "drafting declared the pack writing");
    }

    @Test
    void workflowsWhoseNamesDifferOnlyInCaseAreAllRefused() {
        WorkflowLoader loader = new WorkflowLoader();
        WorkflowCatalog catalog = WorkflowCatalog.of(List.of(
                loader.load("Notes", Manifests.base().bundle()),
                loader.load("notes", Manifests.base().bundle()),
                loader.load("other", Manifests.base().bundle())));

        assertEquals(List.of("other"), catalog.workflows().stream().map(Workflow::name).toList());
        assertEquals(List.of(
                "Notes: workflow names differ only in case: \"Notes\", \"notes\"",
                "notes: workflow names differ only in case: \"Notes\", \"notes\""),
                catalog.problems().stream().map(CatalogProblem::describe).toList());
        assertEquals(Optional.empty(), catalog.find("notes"));
    }

    @Test
    void aMissingFolderIsAnError(@TempDir Path dir) {
        assertThrows(UncheckedIOException.class, () -> WorkflowCatalog.load(dir.resolve("nope")));
    }
}
