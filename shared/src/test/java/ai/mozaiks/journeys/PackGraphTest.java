package ai.mozaiks.journeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.http.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackGraphTest {
    private static final Set<String> KNOWN = Set.of("Value", "Agents", "Docs", "App", "Validate", "Extra");

    private static PackGraph graph(String json) {
        return PackGraph.parse(Json.read(json), KNOWN);
    }

    @Test
    void aWorkflowRequiresItsDependenciesItsGatesAndEveryEarlierStepOfItsJourney() {
        PackGraph graph = graph("""
                {"workflows": [{"id": "Validate", "dependencies": ["App", {"id": "Extra", "gating": "optional"}]},
                               {"id": "Docs", "dependencies": [{"workflow": "Extra", "scope": "app", "reason": "shared notes"}]}],
                 "journeys": [{"id": "build", "steps": ["Value", ["Agents", "Docs"], "App"]}],
                 "gates": [{"from": "Value", "to": "Validate", "gating": "required"},
                           {"from": "Docs", "to": "Validate", "gating": "optional"}]}""");

        assertEquals(List.of("App", "Value"), names(graph.prerequisites("Validate")), "optional ones are not required");
        assertEquals(List.of("Extra", "Value"), names(graph.prerequisites("Docs")));
        assertTrue(graph.prerequisites("Docs").get(0).perApp(), "a gate scoped to the app counts anyone's completion");
        assertEquals(List.of("Value", "Agents", "Docs"), names(graph.prerequisites("App")), "every earlier step, parallel ones included");
        assertEquals(List.of(), graph.prerequisites("Value"));
        assertEquals(1, graph.place("Docs").orElseThrow().step());
        assertEquals("build", graph.place("App").orElseThrow().journey().key());
        assertTrue(graph.place("Extra").isEmpty());
    }

    @Test
    void thePlatformsOwnGraphFailsClosedOnAMissingWorkflowAndServesTheRest(@TempDir Path workflows) throws IOException {
        Files.createDirectories(workflows.resolve("_pack"));
        Files.writeString(workflows.resolve(PackGraph.FILE), """
                {"workflows": [{"id": "Validate", "dependencies": ["App", "Gone"]}, {"id": "Missing", "dependencies": ["App"]}],
                 "journeys": [{"id": "build", "steps": ["Value", "App"]}, {"id": "broken", "steps": ["Value", "Gone"]}],
                 "gates": [{"from": "Gone", "to": "Docs"}, {"from": "Value", "to": "Docs"}]}""");

        PackGraph graph = PackGraph.load(workflows, KNOWN);

        assertEquals(List.of(
                "_pack/workflow_graph.json: dependencies of Validate: no workflow named Gone",
                "_pack/workflow_graph.json: workflows[].id: no workflow named Missing",
                "_pack/workflow_graph.json: gates[].from: no workflow named Gone",
                "_pack/workflow_graph.json: steps of journey broken: no workflow named Gone"), graph.problems());
        assertEquals(List.of("App", "Gone"), names(graph.prerequisites("Validate")),
                "a missing prerequisite is kept: what it gates cannot start, and the refusal names it");
        assertEquals(List.of("Gone", "Value"), names(graph.prerequisites("Docs")), "so is a gate's");
        assertEquals(List.of("Value"), names(graph.prerequisites("App")));
        assertTrue(graph.journey("broken").isEmpty(), "a journey with a missing step does not run on by itself");
        assertEquals("build", graph.place("App").orElseThrow().journey().key());
    }

    @Test
    void aPlatformGraphThatCannotBeParsedGivesNoPrerequisitesAndSaysWhy(@TempDir Path workflows) throws IOException {
        Files.createDirectories(workflows.resolve("_pack"));
        Files.writeString(workflows.resolve(PackGraph.FILE), "{\"journeys\": [");

        PackGraph graph = PackGraph.load(workflows, KNOWN);

        assertEquals(1, graph.problems().size());
        assertTrue(graph.problems().get(0).startsWith("_pack/workflow_graph.json: cannot be read or parsed"), graph.problems().get(0));
        assertEquals(List.of(), graph.prerequisites("App"));
    }

    @Test
    void aGraphNamingAWorkflowThatDoesNotExistIsRefusedWithWhere() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> graph("{\"journeys\": [{\"id\": \"j\", \"steps\": [\"Value\", \"Missing\"]}]}"));
        assertTrue(refused.getMessage().contains("steps of journey j") && refused.getMessage().contains("Missing"), refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> graph("{\"journeys\": [{\"id\": \"j\", \"steps\": [\"Value\"]}]}"),
                "a journey of one step");
        assertThrows(IllegalArgumentException.class, () -> graph("{\"gates\": [{\"from\": \"Value\"}]}"), "a gate to nothing");
    }

    private static List<String> names(List<PackGraph.Prerequisite> prerequisites) {
        return prerequisites.stream().map(PackGraph.Prerequisite::workflow).toList();
    }
}
