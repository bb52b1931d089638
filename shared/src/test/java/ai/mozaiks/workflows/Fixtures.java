package ai.mozaiks.workflows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** The manifest folders under {@code src/test/resources/workflows}, and the repository's own workflows. */
public final class Fixtures {
    private Fixtures() {
    }

    static Path resource(String relative) {
        try {
            return Path.of(Fixtures.class.getResource("/workflows/" + relative).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every file of a folder, by its path relative to the folder, as an uploaded bundle would carry it. */
    static Map<String, byte[]> bundleOf(Path folder) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path file : paths.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** {@code workflows/} of the repository: found beside {@code local.settings.sample.json}, walking up. */
    public static Path repositoryWorkflows() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("local.settings.sample.json"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no local.settings.sample.json above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("workflows");
    }
}
