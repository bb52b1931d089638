package ai.mozaiks.workflows;

import ai.mozaiks.workflows.WorkflowIssue.Severity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects issues while a workflow loads; the report lists them grouped by file in manifest order. */
final class Issues {
    private final List<WorkflowIssue> issues = new ArrayList<>();

    void error(String file, String path, String message) {
        issues.add(new WorkflowIssue(Severity.ERROR, file, path, message));
    }

    void warning(String file, String path, String message) {
        issues.add(new WorkflowIssue(Severity.WARNING, file, path, message));
    }

    boolean hasErrors() {
        return issues.stream().anyMatch(issue -> issue.severity() == Severity.ERROR);
    }

    ValidationReport report() {
        // Stable sort: within a file, issues keep the order they were found in.
        List<WorkflowIssue> sorted = issues.stream().sorted(Comparator.comparingInt(Issues::fileRank)).toList();
        return new ValidationReport(
                sorted.stream().filter(issue -> issue.severity() == Severity.ERROR).toList(),
                sorted.stream().filter(issue -> issue.severity() == Severity.WARNING).toList());
    }

    private static int fileRank(WorkflowIssue issue) {
        return issue.file().isEmpty() ? -1 : WorkflowLoader.MANIFEST_FILES.indexOf(issue.file());
    }
}
