package ai.mozaiks.journeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.http.Json;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

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
