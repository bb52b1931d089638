package ai.mozaiks.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The test manifests of this module, in one place: workflows built from YAML text (Writer and Reviewer unless
 * {@code agents.yaml} is given, with files replaced or added), the write-and-review loop several engine tests
 * share, the manifest folders under {@code src/test/resources/workflows}, and the repository's own workflows.
 */
public final class Manifests {
    public static final String ORCHESTRATOR = "orchestrator.yaml";
    public static final String AGENTS = "agents.yaml";
    public static final String HANDOFFS = "handoffs.yaml";
    public static final String CONTEXT = "context_variables.yaml";
    public static final String OUTPUTS = "structured_outputs.yaml";
    public static final String TOOLS = "tools.yaml";
    public static final String UI = "ui_config.yaml";
    public static final String HOOKS = "hooks.yaml";

    public static final String WRITER_PROMPT = "You write drafts.";
    public static final String REVIEWER_PROMPT = "You review drafts.";
    public static final String EDITOR_PROMPT = "You edit drafts.";

    /** The agents of every workflow built here unless a test gives its own. */
    public static final String WRITER_AND_REVIEWER = """
            agents:
            - name: Writer
              system_message: You write drafts.
              max_consecutive_auto_reply: 5
            - name: Reviewer
              system_message: You review drafts.
              max_consecutive_auto_reply: 5
            """;
    public static final String THREE_AGENTS = WRITER_AND_REVIEWER + """
            - name: Editor
              system_message: You edit drafts.
              max_consecutive_auto_reply: 5
            """;

    /**
     * The Writer looks a word up, says NEXT (which hands over to the Reviewer), and the Reviewer approves: state
     * variables set by the agents' text, expression handoffs, one Java tool and the offline model's script.
     */
    public static final class ReviewLoop {
        public static final String CONTEXT = """
                definitions:
                - name: draft_ready
                  type: boolean
                  source:
                    type: state
                    default: false
                    triggers:
                    - {type: agent_text, agent: Writer, match: {equals: NEXT}, ui_hidden: true}
                - name: approved
                  type: boolean
                  source:
                    type: state
                    default: false
                    triggers:
                    - {type: agent_text, agent: Reviewer, match: {contains: APPROVED}}
                agents:
                - {agent_name: Writer, variables: [draft_ready]}
                """;
        public static final String HANDOFFS = """
                handoff_rules:
                - {source_agent: Writer, target_agent: Reviewer, handoff_type: condition, condition_type: expression,
                   condition: '${draft_ready} == True'}
                - {source_agent: Writer, target_agent: user, handoff_type: after_work}
                - {source_agent: Reviewer, target_agent: terminate, handoff_type: condition, condition_type: expression,
                   condition: '${approved}'}
                - {source_agent: Reviewer, target_agent: Writer, handoff_type: after_work}
                """;
        /** The Writer's {@code lookup}, implemented by {@code com.example.Lookup}. */
        public static final String TOOLS = """
                tools:
                - agent: Writer
                  function: lookup
                  description: Look a word up.
                  implementation: {type: java, class: com.example.Lookup}
                  parameters:
                    type: object
                    properties: {word: {type: string}}
                    required: [word]
                """;
        public static final String SCRIPT = """
                - agent: Writer
                  tool_call: {name: lookup, arguments: {word: tide}}
                - agent: Writer
                  text: NEXT
                - agent: Reviewer
                  text: APPROVED, nice draft.
                """;

        private ReviewLoop() {
        }
    }

    private final Map<String, String> files = new LinkedHashMap<>();
    private String name = "demo";

    private Manifests(String orchestrator) {
        files.put(ORCHESTRATOR, orchestrator);
        files.put(AGENTS, WRITER_AND_REVIEWER);
    }

    /** Writer and Reviewer, at most ten turns, and nothing else. */
    public static Manifests base() {
        return new Manifests("max_turns: 10\n");
    }

    /** Writer and Reviewer with this {@code orchestrator.yaml}. */
    public static Manifests of(String orchestrator) {
        return new Manifests(orchestrator);
    }

    /** A workflow of Writer, Reviewer and Editor: its orchestrator.yaml, then further {@code file, yaml} pairs. */
    public static Workflow threeAgents(String name, String orchestrator, String... filesAndYaml) {
        return of(orchestrator).named(name).with(AGENTS, THREE_AGENTS).with(filesAndYaml).load();
    }

    /** The workflow's name ({@code demo} unless named). */
    public Manifests named(String workflowName) {
        this.name = workflowName;
        return this;
    }

    public Manifests with(String file, String yaml) {
        files.put(file, yaml);
        return this;
    }

    /** Further files as {@code file, yaml} pairs. */
    public Manifests with(String... filesAndYaml) {
        for (int i = 0; i < filesAndYaml.length; i += 2) {
            files.put(filesAndYaml[i], filesAndYaml[i + 1]);
        }
        return this;
    }

    public Manifests without(String file) {
        files.remove(file);
        return this;
    }

    public Map<String, byte[]> bundle() {
        Map<String, byte[]> bundle = new LinkedHashMap<>();
        files.forEach((file, yaml) -> bundle.put(file, yaml.getBytes(StandardCharsets.UTF_8)));
        return bundle;
    }

    /** What the loader makes of the files, errors and warnings included. */
    public WorkflowLoadResult result() {
        return new WorkflowLoader().load(name, bundle());
    }

    /** Loads, asserting there are no errors. */
    public Workflow load() {
        WorkflowLoadResult result = result();
        assertEquals(List.of(), result.report().errorMessages(), "workflow " + name);
        return result.workflow().orElseThrow();
    }

    /** Loads, asserting there are neither errors nor warnings. */
    public Workflow clean() {
        WorkflowLoadResult result = result();
        assertEquals(List.of(), result.report().errorMessages());
        assertEquals(List.of(), result.report().warningMessages());
        return result.workflow().orElseThrow();
    }

    /** Loads, asserting there are no errors; returns the warnings. */
    public List<String> warnings() {
        WorkflowLoadResult result = result();
        assertEquals(List.of(), result.report().errorMessages());
        assertTrue(result.loaded());
        return result.report().warningMessages();
    }

    /** Loads, asserting the workflow is refused; returns the errors. */
    public List<String> errors() {
        WorkflowLoadResult result = result();
        assertFalse(result.loaded(), "expected errors");
        return result.report().errorMessages();
    }

    /** A manifest folder under {@code src/test/resources/workflows}. */
    static Path resource(String relative) {
        try {
            return Path.of(Manifests.class.getResource("/workflows/" + relative).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every file of a folder, by its path relative to the folder, as an uploaded bundle would carry it. */
    static Map<String, byte[]> bundleOf(Path folder) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path file : paths.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** {@code workflows/} of the repository: found beside {@code local.settings.sample.json}, walking up. */
    public static Path repositoryWorkflows() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("local.settings.sample.json"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no local.settings.sample.json above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("workflows");
    }
}
