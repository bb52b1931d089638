package ai.mozaiks.devhost;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository checkout the devhost runs from: its settings sample, node_modules and .devhost/. */
public final class ProjectHome {
    private static final String MARKER = "local.settings.sample.json";

    private ProjectHome() {
    }

    public static Path find() {
        String configured = System.getProperty("mozaiks.home");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(MARKER))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the project checkout (no " + MARKER
                + " here or above); run from the repository or pass -Dmozaiks.home=<path>");
    }
}
