package ai.mozaiks.workflows;

import java.util.Objects;
import java.util.Optional;

/** The outcome of loading one workflow: the workflow when its report has no errors, and the report. */
public record WorkflowLoadResult(String name, Optional<Workflow> workflow, ValidationReport report) {
    public WorkflowLoadResult {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(workflow, "workflow");
        Objects.requireNonNull(report, "report");
        if (workflow.isPresent() == report.hasErrors()) {
            throw new IllegalArgumentException("a workflow is loaded exactly when its report has no errors");
        }
    }

    public boolean loaded() {
        return workflow.isPresent();
    }
}
