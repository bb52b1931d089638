package ai.mozaiks.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.FanOut;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FanOutManifestTest {
    private static final String GRAPH = "_pack/workflow_graph.json";

    @Test
    void readsTheRuntimesMidFlightJourneys() {
        Workflow workflow = Manifests.base().with(GRAPH, """
                {"version": 3, "mid_flight_journeys": [{
                  "id": "research", "trigger_agent": "Writer", "trigger_on": "structured_output_ready",
                  "fan_out": {"spawn_mode": "workflow", "max_children": 4, "timeout_seconds": 90},
                  "fan_in": {"resume_agent": "Reviewer", "merge_mode": "structured", "inject_as": "findings",
                             "on_partial_failure": "fail_all"}}]}
                """).clean();

        FanOut fanOut = workflow.fanOutFor("Writer").orElseThrow();
        assertEquals(new FanOut("research", "Writer", 4, Duration.ofSeconds(90), Optional.of("Reviewer"),
                FanOut.MergeMode.STRUCTURED, "findings", FanOut.PartialFailure.FAIL_ALL), fanOut);
        assertEquals(Optional.empty(), workflow.fanOutFor("Reviewer"));
    }

    @Test
    void legacyNestedChatsTakeTheDefaults() {
        FanOut fanOut = Manifests.base().with(GRAPH, """
                {"nested_chats": [{"id": "n1", "trigger_agent": "Writer", "spawn_mode": "workflow"}]}
                """).clean().fanOutFor("Writer").orElseThrow();

        assertEquals(5, fanOut.maxChildren());
        assertEquals(FanOut.DEFAULT_TIMEOUT, fanOut.timeout());
        assertEquals(Optional.empty(), fanOut.resumeAgent());
        assertEquals(FanOut.MergeMode.CONCATENATE, fanOut.mergeMode());
        assertEquals("child_results", fanOut.injectAs());
        assertEquals(FanOut.PartialFailure.RESUME_WITH_AVAILABLE, fanOut.onPartialFailure());
    }

    @Test
    void withoutTheFileThereIsNoFanOut() {
        assertTrue(Manifests.base().clean().fanOuts().isEmpty());
    }

    @Test
    void refusesWhatItCannotRunByName() {
        assertEquals(List.of(
                GRAPH + ": mid_flight_journeys[0].fan_out.spawn_mode: spawn mode \"generator_subrun\" is not supported; children are whole workflows (spawn_mode: workflow)",
                GRAPH + ": mid_flight_journeys[0].fan_out.max_children: must be 1-20",
                GRAPH + ": mid_flight_journeys[0].fan_in.merge_mode: unknown value \"vote\" (expected concatenate, structured, collect_all)",
                GRAPH + ": mid_flight_journeys[1].trigger_agent: unknown agent \"Editor\""),
                Manifests.base().with(GRAPH, """
                        {"mid_flight_journeys": [
                          {"id": "a", "trigger_agent": "Writer",
                           "fan_out": {"spawn_mode": "generator_subrun", "max_children": 50},
                           "fan_in": {"merge_mode": "vote"}},
                          {"id": "b", "trigger_agent": "Editor"}]}
                        """).errors());
    }

    @Test
    void oneAgentTriggersOneFanOut() {
        assertEquals(List.of(GRAPH + ": agent \"Writer\" triggers more than one fan-out"), Manifests.base().with(GRAPH, """
                {"mid_flight_journeys": [{"id": "a", "trigger_agent": "Writer"}, {"id": "b", "trigger_agent": "Writer"}]}
                """).errors());
    }
}
