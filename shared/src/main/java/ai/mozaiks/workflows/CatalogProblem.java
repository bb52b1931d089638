package ai.mozaiks.workflows;

import java.util.Objects;

/** An issue of one workflow of a catalog. */
public record CatalogProblem(String workflow, WorkflowIssue issue) {
    public CatalogProblem {
        Objects.requireNonNull(workflow, "workflow");
        Objects.requireNonNull(issue, "issue");
    }

    /** {@code workflow/file: path: message}. */
    public String describe() {
        return workflow + (issue.file().isEmpty() ? ": " : "/") + issue.describe();
    }

    @Override
    public String toString() {
        return issue.severity() + " " + describe();
    }
}
