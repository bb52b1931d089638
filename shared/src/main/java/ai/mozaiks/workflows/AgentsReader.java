package ai.mozaiks.workflows;

import ai.mozaiks.workflows.manifest.AgentSpec;
import ai.mozaiks.workflows.manifest.PromptSection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads {@code agents.yaml}, in its list form ({@code - name: X}) or its mapping form ({@code X: {...}}). */
final class AgentsReader {
    static final String FILE = "agents.yaml";

    private static final Set<String> AGENT_KEYS = Set.of(
            "prompt_sections", "prompt_sections_custom", "system_message", "max_consecutive_auto_reply",
            "auto_tool_mode", "structured_outputs_required", "image_generation_enabled", "human_input_mode");
    private static final Set<String> SECTION_KEYS = Set.of("id", "heading", "content");

    private AgentsReader() {
    }

    /** An agent entry: its name, the node to report name problems at, and its body. */
    private record Entry(String name, ManifestNode nameNode, ManifestNode body, boolean listForm) {
    }

    static List<AgentSpec> read(ManifestNode root, SymbolTable symbols) {
        root.warnUnknownKeys(Set.of("agents"));
        ManifestNode agentsNode = root.get("agents");
        if (agentsNode.present() && !agentsNode.isList() && !agentsNode.isMapping()) {
            agentsNode.error("expected a list of agents or a mapping of agent names");
            return List.of();
        }
        List<Entry> entries = entries(agentsNode);
        if (entries.isEmpty()) {
            if (agentsNode.present() || root.present()) {
                agentsNode.error("at least one agent is required");
            }
            return List.of();
        }
        if (entries.size() > WorkflowLoader.MAX_AGENTS) {
            agentsNode.error(entries.size() + " agents exceed the limit of " + WorkflowLoader.MAX_AGENTS);
        }
        List<AgentSpec> agents = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Entry entry : entries) {
            // Declared even when refused, so references to it do not add a second error.
            symbols.declareAgent(entry.name());
            if (checkName(entry, seen)) {
                agent(entry, symbols).ifPresent(agents::add);
            }
        }
        return agents;
    }

    private static List<Entry> entries(ManifestNode agentsNode) {
        List<Entry> entries = new ArrayList<>();
        if (agentsNode.isList()) {
            for (ManifestNode item : agentsNode.list()) {
                if (!item.expectMapping()) {
                    continue;
                }
                ManifestNode nameNode = item.get("name");
                nameNode.requiredString().ifPresent(name -> entries.add(new Entry(name, nameNode, item, true)));
            }
        } else if (agentsNode.isMapping()) {
            for (Map.Entry<String, ManifestNode> field : agentsNode.mapping().entrySet()) {
                entries.add(new Entry(field.getKey(), field.getValue(), field.getValue(), false));
            }
        }
        return entries;
    }

    private static boolean checkName(Entry entry, Set<String> seen) {
        String name = entry.name();
        if (!Names.valid(name)) {
            entry.nameNode().error(Names.invalid(name));
            return false;
        }
        if (Names.isUser(name) || Names.isTerminate(name)) {
            entry.nameNode().error("\"" + name + "\" is reserved for the " + (Names.isUser(name) ? "user" : "terminate") + " target");
            return false;
        }
        if (!seen.add(name)) {
            entry.nameNode().error("duplicate agent \"" + name + "\"");
            return false;
        }
        return true;
    }

    private static Optional<AgentSpec> agent(Entry entry, SymbolTable symbols) {
        ManifestNode body = entry.body();
        if (body.present() && !body.expectMapping()) {
            return Optional.empty();
        }
        Set<String> keys = new HashSet<>(AGENT_KEYS);
        if (entry.listForm()) {
            keys.add("name");
        }
        body.warnUnknownKeys(keys);

        List<PromptSection> sections = sections(body.get("prompt_sections"));
        List<PromptSection> custom = sections(body.get("prompt_sections_custom"));
        Optional<String> systemMessage = body.get("system_message").string();
        if (sections.isEmpty() && custom.isEmpty() && systemMessage.filter(text -> !text.isBlank()).isEmpty()) {
            body.warning("agent \"" + entry.name() + "\" has no prompt_sections, prompt_sections_custom or system_message");
        }

        ManifestNode autoReplyNode = body.get("max_consecutive_auto_reply");
        int maxAutoReply = autoReplyNode.integer().filter(value -> {
            if (value < 0) {
                autoReplyNode.error("must not be negative");
            }
            return value >= 0;
        }).orElse(AgentSpec.DEFAULT_MAX_CONSECUTIVE_AUTO_REPLY);

        ManifestNode autoToolNode = body.get("auto_tool_mode");
        boolean autoToolMode = autoToolNode.bool().orElse(false);
        if (autoToolMode) {
            symbols.requireModelFor(autoToolNode, entry.name());
            autoToolNode.warning("not acted on yet: agent \"" + entry.name() + "\" is offered no tools, and its structured output"
                    + " calls none");
        }
        if (body.get("human_input_mode").present()) {
            body.get("human_input_mode").warning("ignored: agents never wait for human input (NEVER)");
        }
        return Optional.of(new AgentSpec(
                entry.name(),
                sections,
                custom,
                systemMessage,
                maxAutoReply,
                autoToolMode,
                body.get("structured_outputs_required").bool().orElse(false),
                body.get("image_generation_enabled").bool().orElse(false)));
    }

    /** A list of {@code {id, heading, content}}, or a mapping from section id to content (or to {heading, content}). */
    private static List<PromptSection> sections(ManifestNode node) {
        List<PromptSection> sections = new ArrayList<>();
        if (node.isList()) {
            for (ManifestNode item : node.list()) {
                if (item.expectMapping()) {
                    item.warnUnknownKeys(SECTION_KEYS);
                    String id = item.get("id").string().orElse("");
                    section(item, id, item.get("heading").string().orElse("")).ifPresent(sections::add);
                }
            }
        } else if (node.isMapping()) {
            for (Map.Entry<String, ManifestNode> field : node.mapping().entrySet()) {
                String id = field.getKey();
                ManifestNode value = field.getValue();
                if (value.isMapping()) {
                    value.warnUnknownKeys(Set.of("heading", "content"));
                    section(value, id, value.get("heading").string().orElse(defaultHeading(id))).ifPresent(sections::add);
                } else {
                    value.requiredString().ifPresent(content -> sections.add(new PromptSection(id, defaultHeading(id), content)));
                }
            }
        } else if (node.present()) {
            node.error("expected a list of sections or a mapping of section ids");
        }
        return sections;
    }

    private static Optional<PromptSection> section(ManifestNode item, String id, String heading) {
        return item.get("content").requiredString().map(content -> new PromptSection(id, heading, content));
    }

    // The mapping form has no headings; write them the way list-form manifests do: "[OUTPUT FORMAT]".
    private static String defaultHeading(String id) {
        return "[" + id.replace('_', ' ').toUpperCase(Locale.ROOT) + "]";
    }
}
