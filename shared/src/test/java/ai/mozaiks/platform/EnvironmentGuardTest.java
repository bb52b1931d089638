package ai.mozaiks.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.Manifests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Settings are read once, at the edge: nothing below {@link Platform} reads the process environment or system
 * properties, so no manifest, tool or request can reach a deployment setting through some forgotten lookup. The
 * only reads allowed are the edges themselves, each named here with what it reads.
 */
class EnvironmentGuardTest {
    /**
     * {@code System.getenv}, {@code System::getenv}, {@code System.getProperty}/{@code getProperties}, also fully
     * qualified, and their static imports (after which a bare {@code getenv(...)} would read unseen).
     */
    private static final Pattern READ = Pattern.compile(
            "(?:System\\s*(?:\\.|::)|import\\s+static\\s+java\\.lang\\.System\\.)\\s*(getenv|getProperties|getProperty|\\*)(?!\\w)");
    /** A child process inherits the environment and can print it: the core library and the triggers start none. */
    private static final Pattern PROCESS = Pattern.compile("\\bProcessBuilder\\b|Runtime\\s*\\.\\s*getRuntime\\s*\\(\\s*\\)\\s*\\.\\s*exec");

    /** Source file (from the repository root) → the reads it may make. */
    private static final Map<String, List<String>> EDGES = Map.of(
            // The Functions host's app settings, read once by Settings.fromEnvironment() when the platform is built.
            "shared/src/main/java/ai/mozaiks/config/Settings.java", List.of("System.getenv"),
            // The devhost's main: the developer's environment, overlaid on local.settings.json.
            "devhost/src/main/java/ai/mozaiks/devhost/DevHost.java", List.of("System.getenv"),
            // Where the repository is (-Dmozaiks.home), and which java runs the startup archive: no platform setting.
            "devhost/src/main/java/ai/mozaiks/devhost/ProjectHome.java", List.of("System.getProperty"),
            "devhost/src/main/java/ai/mozaiks/devhost/StartupArchive.java", List.of("System.getProperty"));

    @Test
    void onlyTheEdgesReadTheEnvironmentOrSystemProperties() {
        Path root = Manifests.repositoryWorkflows().getParent();
        Map<String, List<String>> found = new TreeMap<>();
        int scanned = 0;
        for (String module : List.of("shared", "functions", "devhost")) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                    scanned++;
                    List<String> reads = reads(Files.readString(file)).stream().distinct().toList();
                    if (!reads.isEmpty()) {
                        found.put(root.relativize(file).toString().replace('\\', '/'), reads);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertTrue(scanned > 300, "the sources were found: " + scanned);
        assertEquals(new TreeMap<>(EDGES), found, "System.getenv/getProperty outside the edges");
    }

    @Test
    void theCoreLibraryAndTheTriggersStartNoProcess() throws IOException {
        Path root = Manifests.repositoryWorkflows().getParent();
        List<String> starting = new ArrayList<>();
        for (String module : List.of("shared", "functions")) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                    if (PROCESS.matcher(Files.readString(file)).find()) {
                        starting.add(root.relativize(file).toString());
                    }
                }
            }
        }
        assertEquals(List.of(), starting);
        assertTrue(PROCESS.matcher("new ProcessBuilder(\"env\").start()").find() && PROCESS.matcher("Runtime.getRuntime().exec(c)").find());
    }

    @Test
    void theGuardSeesEverySpellingOfARead() {
        assertEquals(List.of("System.getenv", "System.getenv", "System.getProperty", "System.getProperties"),
                reads("f(System::getenv); java.lang.System.getenv(\"X\"); System .getProperty(\"y\"); System.getProperties();"));
        assertEquals(List.of("System.getenv", "System.*"),
                reads("import static java.lang.System.getenv;\nimport static java.lang.System.*;\nclass A { String k = getenv(\"K\"); }"));
        assertEquals(List.of(), reads("settings.env(); Properties p; p.getProperty(\"version\"); SystemClock.getenvironment();"));
    }

    private static List<String> reads(String source) {
        List<String> reads = new ArrayList<>();
        Matcher matcher = READ.matcher(source);
        while (matcher.find()) {
            reads.add("System." + matcher.group(1));
        }
        return reads;
    }
}
