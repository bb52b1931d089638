package ai.mozaiks.models.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The offline model's scripts, one per workflow: {@code workflows/<name>/offline_script.yaml}. Read once,
 * at start-up, so a broken script stops the platform with the file named instead of failing a chat later.
 * Workflow names are matched case-insensitively, as the workflow catalog does.
 */
public final class OfflineScripts {
    public static final String FILE_NAME = "offline_script.yaml";

    private final Map<String, OfflineScript> byWorkflow;

    private OfflineScripts(Map<String, OfflineScript> byWorkflow) {
        this.byWorkflow = Map.copyOf(byWorkflow);
    }

    public static OfflineScripts none() {
        return new OfflineScripts(Map.of());
    }

    /**
     * Reads every {@value #FILE_NAME} one level below {@code workflowsDir}; a missing folder has none.
     *
     * @throws IllegalArgumentException naming the file and the problem, when a script is not valid
     */
    public static OfflineScripts inFolders(Path workflowsDir) {
        if (workflowsDir == null || !Files.isDirectory(workflowsDir)) {
            return none();
        }
        Map<String, OfflineScript> scripts = new HashMap<>();
        try (Stream<Path> folders = Files.list(workflowsDir)) {
            for (Path folder : folders.filter(Files::isDirectory).sorted().toList()) {
                Path file = folder.resolve(FILE_NAME);
                if (Files.isRegularFile(file)) {
                    scripts.put(key(folder.getFileName().toString()), OfflineScript.load(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the offline scripts under " + workflowsDir, e);
        }
        return new OfflineScripts(scripts);
    }

    public Optional<OfflineScript> find(String workflow) {
        return workflow == null ? Optional.empty() : Optional.ofNullable(byWorkflow.get(key(workflow)));
    }

    public int size() {
        return byWorkflow.size();
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
