package ai.mozaiks.workflows;

import java.util.List;

/** Everything found while loading one workflow. A workflow with any error is not loaded. */
public record ValidationReport(List<WorkflowIssue> errors, List<WorkflowIssue> warnings) {
    public ValidationReport {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    public boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** Each error's {@link WorkflowIssue#describe()}, in report order. */
    public List<String> errorMessages() {
        return errors.stream().map(WorkflowIssue::describe).toList();
    }

    public List<String> warningMessages() {
        return warnings.stream().map(WorkflowIssue::describe).toList();
    }
}
