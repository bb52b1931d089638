package ai.mozaiks.workflows;

import java.util.Objects;

/**
 * One problem found in a workflow's manifests.
 *
 * @param file the manifest file, e.g. {@code handoffs.yaml}; empty for the workflow as a whole
 * @param path where in the file, e.g. {@code handoff_rules[2].target_agent}; empty for the file as a whole
 */
public record WorkflowIssue(Severity severity, String file, String path, String message) {

    public enum Severity {
        /** The workflow is not loaded. */
        ERROR,
        /** Loaded; something is ignored or likely a mistake. */
        WARNING
    }

    public WorkflowIssue {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    /** {@code file: path: message}, leaving out empty parts. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        if (!file.isEmpty()) {
            text.append(file).append(": ");
        }
        if (!path.isEmpty()) {
            text.append(path).append(": ");
        }
        return text.append(message).toString();
    }

    @Override
    public String toString() {
        return severity + " " + describe();
    }
}
