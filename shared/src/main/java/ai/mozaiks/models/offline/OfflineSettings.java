package ai.mozaiks.models.offline;

import java.nio.file.Path;

/**
 * The offline model's settings.
 *
 * @param scriptFile a script played for every workflow, or {@code null} for the echoing replies only
 *                   (a workflow's own script is given to {@link OfflineModel#OfflineModel(OfflineScript)})
 */
public record OfflineSettings(Path scriptFile) {
    public static OfflineSettings unscripted() {
        return new OfflineSettings(null);
    }
}
