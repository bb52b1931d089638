package ai.mozaiks.workflows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The workflows of a {@code workflows/} folder (or of a set of uploaded bundles). A broken workflow is
 * left out and its issues listed; it never takes the others down. Immutable once built.
 */
public final class WorkflowCatalog {
    private final List<Workflow> workflows;
    private final Map<String, Workflow> byKey;
    private final Map<String, ValidationReport> reports;
    private final List<CatalogProblem> problems;

    private WorkflowCatalog(List<Workflow> workflows, Map<String, ValidationReport> reports, List<CatalogProblem> problems) {
        this.workflows = List.copyOf(workflows);
        Map<String, Workflow> keys = new LinkedHashMap<>();
        workflows.forEach(workflow -> keys.put(key(workflow.name()), workflow));
        this.byKey = Collections.unmodifiableMap(keys);
        this.reports = Collections.unmodifiableMap(new LinkedHashMap<>(reports));
        this.problems = List.copyOf(problems);
    }

    /**
     * Loads every workflow folder of {@code workflowsDir}. Folders whose names start with {@code _} (shared
     * code, pack config) or {@code .} are skipped, and so are folders without any manifest file.
     *
     * @throws UncheckedIOException if the folder itself cannot be listed
     */
    public static WorkflowCatalog load(Path workflowsDir) {
        WorkflowLoader loader = new WorkflowLoader();
        List<WorkflowLoadResult> results = new ArrayList<>();
        for (Path folder : workflowFolders(workflowsDir)) {
            results.add(loadIsolated(loader, folder));
        }
        return of(results);
    }

    /** A catalog of workflows already loaded (e.g. from bundles). Names differing only in case are all refused. */
    public static WorkflowCatalog of(List<WorkflowLoadResult> results) {
        Map<String, List<WorkflowLoadResult>> byKey = results.stream()
                .sorted(Comparator.comparing(WorkflowLoadResult::name))
                .collect(Collectors.groupingBy(result -> key(result.name()), LinkedHashMap::new, Collectors.toList()));
        List<Workflow> workflows = new ArrayList<>();
        Map<String, ValidationReport> reports = new LinkedHashMap<>();
        List<CatalogProblem> problems = new ArrayList<>();
        for (List<WorkflowLoadResult> group : byKey.values()) {
            String clash = group.stream().map(result -> "\"" + result.name() + "\"").collect(Collectors.joining(", "));
            for (WorkflowLoadResult result : group) {
                ValidationReport report = result.report();
                if (group.size() > 1) {
                    // Names are looked up case-insensitively, as in the runtime, so neither can win.
                    List<WorkflowIssue> errors = new ArrayList<>(report.errors());
                    errors.add(0, new WorkflowIssue(WorkflowIssue.Severity.ERROR, "", "",
                            "workflow names differ only in case: " + clash));
                    report = new ValidationReport(errors, report.warnings());
                } else {
                    result.workflow().ifPresent(workflows::add);
                }
                reports.put(result.name(), report);
                report.errors().forEach(issue -> problems.add(new CatalogProblem(result.name(), issue)));
                report.warnings().forEach(issue -> problems.add(new CatalogProblem(result.name(), issue)));
            }
        }
        return new WorkflowCatalog(workflows, reports, problems);
    }

    /** The loaded workflows, by name. */
    public List<Workflow> workflows() {
        return workflows;
    }

    /** A loaded workflow by name, ignoring case as the runtime does. */
    public Optional<Workflow> find(String name) {
        return Optional.ofNullable(byKey.get(key(name)));
    }

    /** The loaded workflows of one pack. */
    public List<Workflow> pack(String packId) {
        return workflows.stream().filter(workflow -> workflow.pack().equals(packId)).toList();
    }

    /** Every workflow examined, loaded or not, with its report. */
    public Map<String, ValidationReport> reports() {
        return reports;
    }

    /** Names of the workflows that were refused. */
    public List<String> rejected() {
        return reports.entrySet().stream().filter(entry -> entry.getValue().hasErrors()).map(Map.Entry::getKey).toList();
    }

    /** Errors of refused workflows and warnings of all, grouped by workflow. */
    public List<CatalogProblem> problems() {
        return problems;
    }

    private static List<Path> workflowFolders(Path workflowsDir) {
        try (Stream<Path> entries = Files.list(workflowsDir)) {
            return entries
                    .filter(Files::isDirectory)
                    .filter(folder -> !folder.getFileName().toString().startsWith("_")
                            && !folder.getFileName().toString().startsWith("."))
                    .filter(WorkflowCatalog::hasManifest)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list workflows in " + workflowsDir, e);
        }
    }

    private static boolean hasManifest(Path folder) {
        return WorkflowLoader.MANIFEST_FILES.stream().anyMatch(file -> Files.exists(folder.resolve(file)))
                || Files.isDirectory(folder.resolve("tools"));
    }

    // The loader reports bad content rather than throwing; this guards the others against a loader bug.
    private static WorkflowLoadResult loadIsolated(WorkflowLoader loader, Path folder) {
        String name = folder.getFileName().toString();
        try {
            return loader.load(folder);
        } catch (RuntimeException e) {
            WorkflowIssue issue = new WorkflowIssue(WorkflowIssue.Severity.ERROR, "", "", "could not be loaded: " + e);
            return new WorkflowLoadResult(name, Optional.empty(), new ValidationReport(List.of(issue), List.of()));
        }
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
