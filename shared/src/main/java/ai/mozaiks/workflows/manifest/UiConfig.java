package ai.mozaiks.workflows.manifest;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code ui_config.yaml}.
 *
 * @param visualAgents the senders whose messages the chat shows (agent names and {@code user}); others
 *     are kept as traces. Absent means every agent is shown.
 * @param displayName how the workflow is listed; the other display keys likewise serve listings only
 */
public record UiConfig(
        Optional<List<String>> visualAgents,
        Optional<String> displayName,
        Optional<String> description,
        Optional<String> icon,
        Optional<String> category) {

    public static final UiConfig EMPTY =
            new UiConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public UiConfig {
        visualAgents = visualAgents.map(List::copyOf);
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(icon, "icon");
        Objects.requireNonNull(category, "category");
    }

    public boolean isVisible(String sender) {
        return visualAgents.map(agents -> agents.contains(sender)).orElse(true);
    }
}
