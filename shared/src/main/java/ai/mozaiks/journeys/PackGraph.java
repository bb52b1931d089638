package ai.mozaiks.journeys;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The platform's pack graph, {@code workflows/_pack/workflow_graph.json} in the existing runtime's format (v2):
 * workflow dependencies, journeys whose steps are a workflow or a parallel group, and explicit gates. What a
 * workflow requires is the union of its required dependencies, the required gates into it, and every workflow in an
 * earlier step of a journey that holds it. A gate's scope is the user within the app unless it says {@code app}.
 */
public final class PackGraph {
    public static final String FILE = "_pack/workflow_graph.json";
    private static final ObjectReader JSON = Json.firstValue();

    /** A workflow that must have completed first. */
    public record Prerequisite(String workflow, boolean perApp, String reason) {
    }

    /** A journey: its steps, each one or more workflows that run side by side. */
    public record Journey(String key, List<List<String>> steps) {
        public Journey {
            steps = steps.stream().map(List::copyOf).toList();
        }
    }

    /** A workflow's place in a journey. */
    public record Place(Journey journey, int step) {
    }

    private final List<Journey> journeys;
    private final Map<String, List<Prerequisite>> required;
    private final List<String> problems;

    private PackGraph(List<Journey> journeys, Map<String, List<Prerequisite>> required, List<String> problems) {
        this.journeys = List.copyOf(journeys);
        this.required = Map.copyOf(required);
        this.problems = List.copyOf(problems);
    }

    public static PackGraph empty() {
        return new PackGraph(List.of(), Map.of(), List.of());
    }

    /**
     * The graph in {@code workflowsDir}, or an empty one when there is none. Never fails, and fails closed: what an entry
     * naming a workflow {@code known} does not hold means is said in {@link #problems()} (see {@link #read}), the rest
     * served; a file that cannot be read or parsed gives an empty graph and says why. The platform's own folder must not
     * stop the platform starting.
     */
    public static PackGraph load(Path workflowsDir, Set<String> known) {
        Path file = workflowsDir == null ? null : workflowsDir.resolve(FILE);
        if (file == null || !Files.isRegularFile(file)) {
            return empty();
        }
        List<String> problems = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            PackGraph graph = read(JSON.readTree(in), known, problems);
            return new PackGraph(graph.journeys, graph.required, problems.stream().map(problem -> FILE + ": " + problem).toList());
        } catch (IOException e) {
            return new PackGraph(List.of(), Map.of(), List.of(FILE + ": cannot be read or parsed (" + e.getMessage() + "); no journeys or prerequisites apply"));
        }
    }

    /**
     * A graph whose every entry must stand (a pack's own, checked at publish).
     *
     * @throws IllegalArgumentException naming the first entry that is wrong, including a workflow it names that
     *                                  {@code known} does not hold
     */
    static PackGraph parse(JsonNode root, Set<String> known) {
        List<String> problems = new ArrayList<>();
        PackGraph graph = read(root, known, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.get(0));
        }
        return graph;
    }

    /** What the graph's entries left out, and why (empty when every entry stood). */
    public List<String> problems() {
        return problems;
    }

    /**
     * Reads the graph, failing closed: a prerequisite naming a missing workflow is kept (the workflow it gates cannot
     * start, the refusal naming it), a journey with a missing step keeps its steps' prerequisites but does not run on by
     * itself, and an entry about a missing or unnamed workflow is left out. Each is said in {@code problems}.
     */
    private static PackGraph read(JsonNode root, Set<String> known, List<String> problems) {
        Map<String, List<Prerequisite>> required = new LinkedHashMap<>();
        for (JsonNode workflow : root.path("workflows")) {
            try {
                String id = target(workflow.path("id"), "workflows[].id", known);
                for (JsonNode dependency : workflow.path("dependencies")) {
                    boolean optional = "optional".equals(dependency.path("gating").asText()) || !dependency.path("required").asBoolean(true);
                    String from = prerequisite(dependency.isTextual() ? dependency : dependency.has("id") ? dependency.path("id")
                            : dependency.path("workflow"), "dependencies of " + id, known, problems);
                    if (!optional) {
                        add(required, id, new Prerequisite(from, "app".equals(dependency.path("scope").asText()),
                                dependency.path("reason").asText(null)));
                    }
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        for (JsonNode gate : root.path("gates")) {
            if ("required".equals(gate.path("gating").asText("required"))) {
                try {
                    String to = target(gate.path("to"), "gates[].to", known);
                    add(required, to, new Prerequisite(prerequisite(gate.path("from"), "gates[].from", known, problems),
                            "app".equals(gate.path("scope").asText()), gate.path("reason").asText(null)));
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        List<Journey> journeys = new ArrayList<>();
        for (JsonNode journey : root.path("journeys")) {
            try {
                journey(journey, known, required, problems).ifPresent(journeys::add);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return new PackGraph(journeys, required, List.of());
    }

    /**
     * A journey's steps and what each requires; the journey itself only when every step is a known workflow (one that
     * cannot run could not be passed, so the journey does not run on by itself, and its later steps stay gated).
     */
    private static Optional<Journey> journey(JsonNode journey, Set<String> known, Map<String, List<Prerequisite>> required,
                                             List<String> problems) {
        String key = journey.path("id").asText("");
        if (key.isBlank()) {
            throw new IllegalArgumentException("journeys[].id is required");
        }
        List<List<String>> steps = new ArrayList<>();
        int before = problems.size();
        for (JsonNode step : journey.path("steps")) {
            List<String> group = new ArrayList<>();
            if (step.isArray()) {
                step.forEach(member -> group.add(prerequisite(member, "steps of journey " + key, known, problems)));
            } else {
                group.add(prerequisite(step, "steps of journey " + key, known, problems));
            }
            steps.add(group);
        }
        if (steps.size() < 2) {
            throw new IllegalArgumentException("journey " + key + " needs at least two steps");
        }
        for (int later = 1; later < steps.size(); later++) {
            for (String workflow : steps.get(later)) {
                for (int earlier = 0; earlier < later; earlier++) {
                    for (String first : steps.get(earlier)) {
                        add(required, workflow, new Prerequisite(first, false, "step " + (earlier + 1) + " of journey " + key));
                    }
                }
            }
        }
        return problems.size() == before ? Optional.of(new Journey(key, steps)) : Optional.empty();
    }

    /** A workflow an entry is about: one that is not there leaves the entry out. */
    private static String target(JsonNode node, String where, Set<String> known) {
        String name = named(node, where);
        if (!known.contains(name)) {
            throw new IllegalArgumentException(where + ": no workflow named " + name);
        }
        return name;
    }

    /** A workflow that must complete first: one that is not there is kept (nothing it gates can start) and said. */
    private static String prerequisite(JsonNode node, String where, Set<String> known, List<String> problems) {
        String name = named(node, where);
        if (!known.contains(name)) {
            problems.add(where + ": no workflow named " + name);
        }
        return name;
    }

    private static String named(JsonNode node, String where) {
        String name = node.asText("");
        if (!node.isTextual() || name.isBlank()) {
            throw new IllegalArgumentException(where + ": a workflow name is required");
        }
        return name;
    }

    private static void add(Map<String, List<Prerequisite>> required, String workflow, Prerequisite prerequisite) {
        List<Prerequisite> list = required.computeIfAbsent(workflow, key -> new ArrayList<>());
        if (list.stream().noneMatch(existing -> existing.workflow().equals(prerequisite.workflow()))) {
            list.add(prerequisite);
        }
    }

    /** What must have completed before {@code workflow} starts. */
    public List<Prerequisite> prerequisites(String workflow) {
        return required.getOrDefault(workflow, List.of());
    }

    /** The first journey step that holds {@code workflow}. */
    public Optional<Place> place(String workflow) {
        for (Journey journey : journeys) {
            for (int step = 0; step < journey.steps().size(); step++) {
                if (journey.steps().get(step).contains(workflow)) {
                    return Optional.of(new Place(journey, step));
                }
            }
        }
        return Optional.empty();
    }

    public Optional<Journey> journey(String key) {
        return journeys.stream().filter(journey -> journey.key().equals(key)).findFirst();
    }
}
