package ai.mozaiks.workflows.manifest;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One agent of {@code agents.yaml}.
 *
 * @param promptSectionsCustom used when {@code promptSections} is empty
 * @param systemMessage used when both section lists are empty
 * @param autoToolMode the agent gets no callable tools; the runtime calls them from its structured output
 * @param structuredOutputsRequired informational, as in the runtime
 */
public record AgentSpec(
        String name,
        List<PromptSection> promptSections,
        List<PromptSection> promptSectionsCustom,
        Optional<String> systemMessage,
        int maxConsecutiveAutoReply,
        boolean autoToolMode,
        boolean structuredOutputsRequired,
        boolean imageGenerationEnabled) {

    public static final int DEFAULT_MAX_CONSECUTIVE_AUTO_REPLY = 2;

    public AgentSpec {
        Objects.requireNonNull(name, "name");
        promptSections = List.copyOf(promptSections);
        promptSectionsCustom = List.copyOf(promptSectionsCustom);
        Objects.requireNonNull(systemMessage, "systemMessage");
        if (maxConsecutiveAutoReply < 0) {
            throw new IllegalArgumentException("maxConsecutiveAutoReply must not be negative");
        }
    }

    /** The system message the model receives: sections separated by blank lines, or the fallbacks. */
    public String prompt() {
        List<PromptSection> sections = promptSections.isEmpty() ? promptSectionsCustom : promptSections;
        if (sections.isEmpty()) {
            return systemMessage.orElse("");
        }
        return sections.stream().map(PromptSection::render).collect(Collectors.joining("\n\n"));
    }
}
