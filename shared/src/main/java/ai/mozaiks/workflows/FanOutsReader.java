package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.FanOut;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a workflow's {@code _pack/workflow_graph.json}: the runtime's v3 {@code mid_flight_journeys}
 * ({@code {id, trigger_agent, trigger_on, fan_out: {spawn_mode, max_children, timeout_seconds}, fan_in: {resume_agent,
 * merge_mode, inject_as, on_partial_failure}}}), or its legacy {@code nested_chats} ({@code {id, trigger_agent,
 * spawn_mode, resume_agent}}, defaults for the rest). Children are whole workflows ({@code spawn_mode: workflow});
 * what this platform does not run is refused by name rather than ignored.
 */
final class FanOutsReader {
    static final String FILE = "_pack/workflow_graph.json";
    private static final int DEFAULT_MAX_CHILDREN = 5;
    private static final int MAX_TIMEOUT_SECONDS = 24 * 60 * 60;

    private FanOutsReader() {
    }

    static List<FanOut> read(ManifestNode root, SymbolTable symbols) {
        root.warnUnknownKeys(Set.of("version", "pack_name", "mid_flight_journeys", "nested_chats", "workflows", "journeys", "gates"));
        List<FanOut> fanOuts = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (ManifestNode item : root.get("mid_flight_journeys").list()) {
            if (item.expectMapping()) {
                journey(item, symbols).filter(fanOut -> unique(item, fanOut, ids)).ifPresent(fanOuts::add);
            }
        }
        for (ManifestNode item : root.get("nested_chats").list()) {
            if (item.expectMapping()) {
                nested(item, symbols).filter(fanOut -> unique(item, fanOut, ids)).ifPresent(fanOuts::add);
            }
        }
        Set<String> triggers = new HashSet<>();
        for (FanOut fanOut : fanOuts) {
            if (!triggers.add(fanOut.triggerAgent())) {
                root.error("agent \"" + fanOut.triggerAgent() + "\" triggers more than one fan-out");
            }
        }
        return fanOuts;
    }

    private static Optional<FanOut> journey(ManifestNode item, SymbolTable symbols) {
        item.warnUnknownKeys(Set.of("id", "description", "trigger_agent", "trigger_on", "requires", "fan_out", "fan_in"));
        item.get("trigger_on").string().filter(on -> !on.equals("structured_output_ready"))
                .ifPresent(on -> item.get("trigger_on").error("unknown value \"" + on + "\" (expected structured_output_ready)"));
        if (!item.get("requires").strings().isEmpty()) {
            item.get("requires").error("ordering fan-outs of one workflow (requires) is not supported; each trigger agent starts its own");
        }
        ManifestNode out = item.get("fan_out");
        ManifestNode in = item.get("fan_in");
        out.warnUnknownKeys(Set.of("spawn_mode", "generator_workflow", "child_initial_agent", "max_children", "timeout_seconds",
                "input_contract", "child_context_seed"));
        in.warnUnknownKeys(Set.of("resume_agent", "merge_mode", "inject_as", "on_partial_failure", "output_contract"));
        spawnMode(out.get("spawn_mode"));
        int maxChildren = out.get("max_children").integer().orElse(DEFAULT_MAX_CHILDREN);
        if (maxChildren < 1 || maxChildren > FanOut.MAX_CHILDREN) {
            out.get("max_children").error("must be 1-" + FanOut.MAX_CHILDREN);
        }
        int timeout = out.get("timeout_seconds").integer().orElse((int) FanOut.DEFAULT_TIMEOUT.toSeconds());
        if (timeout < 1 || timeout > MAX_TIMEOUT_SECONDS) {
            out.get("timeout_seconds").error("must be 1-" + MAX_TIMEOUT_SECONDS);
        }
        FanOut.MergeMode merge = in.get("merge_mode").present()
                ? in.get("merge_mode").choice(FanOut.MergeMode::fromManifest, FanOut.MergeMode.manifestNames()).orElse(null)
                : FanOut.MergeMode.CONCATENATE;
        FanOut.PartialFailure policy = in.get("on_partial_failure").present()
                ? in.get("on_partial_failure").choice(FanOut.PartialFailure::fromManifest, FanOut.PartialFailure.manifestNames()).orElse(null)
                : FanOut.PartialFailure.RESUME_WITH_AVAILABLE;
        String injectAs = in.get("inject_as").string().orElse("child_results");
        if (!Names.valid(injectAs)) {
            in.get("inject_as").error(Names.invalid(injectAs));
        }
        return fanOut(item, symbols, in.get("resume_agent"), maxChildren, timeout, merge, injectAs, policy);
    }

    private static Optional<FanOut> nested(ManifestNode item, SymbolTable symbols) {
        item.warnUnknownKeys(Set.of("id", "trigger_agent", "spawn_mode", "generator_workflow", "child_initial_agent", "resume_agent", "logic"));
        spawnMode(item.get("spawn_mode"));
        return fanOut(item, symbols, item.get("resume_agent"), DEFAULT_MAX_CHILDREN, (int) FanOut.DEFAULT_TIMEOUT.toSeconds(),
                FanOut.MergeMode.CONCATENATE, "child_results", FanOut.PartialFailure.RESUME_WITH_AVAILABLE);
    }

    private static Optional<FanOut> fanOut(ManifestNode item, SymbolTable symbols, ManifestNode resumeNode, int maxChildren, int timeout,
                                           FanOut.MergeMode merge, String injectAs, FanOut.PartialFailure policy) {
        Optional<String> id = item.get("id").requiredString();
        ManifestNode triggerNode = item.get("trigger_agent");
        Optional<String> trigger = triggerNode.requiredString();
        trigger.ifPresent(name -> symbols.useAgent(triggerNode, name));
        Optional<String> resume = resumeNode.string();
        resume.ifPresent(name -> symbols.useAgent(resumeNode, name));
        if (id.isEmpty() || trigger.isEmpty() || merge == null || policy == null
                || maxChildren < 1 || maxChildren > FanOut.MAX_CHILDREN || timeout < 1 || timeout > MAX_TIMEOUT_SECONDS) {
            return Optional.empty();
        }
        return Optional.of(new FanOut(id.get(), trigger.get(), maxChildren, Duration.ofSeconds(timeout), resume, merge, injectAs, policy));
    }

    private static void spawnMode(ManifestNode node) {
        node.string().filter(mode -> !mode.equals("workflow")).ifPresent(mode -> node.error("spawn mode \"" + mode
                + "\" is not supported; children are whole workflows (spawn_mode: workflow)"));
    }

    private static boolean unique(ManifestNode item, FanOut fanOut, Set<String> ids) {
        if (!ids.add(fanOut.id())) {
            item.get("id").error("duplicate fan-out id \"" + fanOut.id() + "\"");
            return false;
        }
        return true;
    }
}
