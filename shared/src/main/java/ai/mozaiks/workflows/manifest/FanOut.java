package ai.mozaiks.workflows.manifest;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A fan-out point of a workflow (the runtime's "mid-flight journey", {@code _pack/workflow_graph.json}): when
 * {@code triggerAgent}'s structured output selects several workflows ({@code PatternSelection}), the chat waits while
 * they run as child chats, then {@code resumeAgent} continues with their merged results.
 *
 * @param id            the fan-out's id (the runtime's {@code trigger_id})
 * @param triggerAgent  whose structured output starts it
 * @param maxChildren   children one fan-out starts at most; a longer selection is cut
 * @param timeout       how long one child may run before it counts as failed
 * @param resumeAgent   who speaks when the chat resumes; empty: the trigger agent (or the selection's {@code resume_agent})
 * @param mergeMode     how the children's results are put together
 * @param injectAs      the context variable that holds them
 * @param onPartialFailure what a failed (or timed out) child means for the parent
 */
public record FanOut(String id, String triggerAgent, int maxChildren, Duration timeout, Optional<String> resumeAgent,
                     MergeMode mergeMode, String injectAs, PartialFailure onPartialFailure) {
    public static final int MAX_CHILDREN = 20;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    public FanOut {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(triggerAgent, "triggerAgent");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(resumeAgent, "resumeAgent");
        Objects.requireNonNull(mergeMode, "mergeMode");
        Objects.requireNonNull(injectAs, "injectAs");
        Objects.requireNonNull(onPartialFailure, "onPartialFailure");
    }

    /** {@code concatenate}: one text, a section per child; {@code structured}: by workflow; {@code collect_all}: a list. */
    public enum MergeMode {
        CONCATENATE, STRUCTURED, COLLECT_ALL;

        public String manifestName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<MergeMode> fromManifest(String value) {
            return Arrays.stream(values()).filter(mode -> mode.manifestName().equals(value)).findFirst();
        }

        public static List<String> manifestNames() {
            return Arrays.stream(values()).map(MergeMode::manifestName).toList();
        }
    }

    /**
     * {@code resume_with_available}: the parent resumes with what finished (failures listed);
     * {@code fail_all}: one failure ends the fan-out — children not started are skipped, running ones cancelled — and the
     * parent fails.
     */
    public enum PartialFailure {
        RESUME_WITH_AVAILABLE, FAIL_ALL;

        public String manifestName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<PartialFailure> fromManifest(String value) {
            return Arrays.stream(values()).filter(policy -> policy.manifestName().equals(value)).findFirst();
        }

        public static List<String> manifestNames() {
            return Arrays.stream(values()).map(PartialFailure::manifestName).toList();
        }
    }
}
