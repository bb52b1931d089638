package ai.mozaiks.devhost;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Node script of {@code src/test/js/} with the project's node_modules (the real browser client
 * libraries), handing it a JSON config and reading back the one JSON line it prints.
 */
public final class NodeScript {
    private NodeScript() {
    }

    /** Runs the script to its end; fails the test unless it printed {@code "ok": true} and exited 0. */
    public static JsonNode run(String script, Object config, Duration deadline, Path temp) throws IOException, InterruptedException {
        Path home = ProjectHome.find();
        ensureNodeModules(home);
        Path source = home.resolve("devhost/src/test/js").resolve(script);
        Path out = Files.createTempFile(temp, "node", ".out");
        Path err = Files.createTempFile(temp, "node", ".err");
        Process node = new ProcessBuilder("node", source.toString(), Json.write(config))
                .directory(home.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!node.waitFor(deadline.toSeconds(), TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("node " + script + " did not finish within " + deadline.toSeconds() + " s; stderr: "
                    + Files.readString(err));
        }
        List<String> lines = Files.readAllLines(out);
        String report = "node " + script + ": exit " + node.exitValue() + "\nstdout: " + lines + "\nstderr: " + Files.readString(err);
        assertFalse(lines.isEmpty(), report);
        JsonNode result = Json.read(lines.get(lines.size() - 1));
        assertTrue(result.path("ok").asBoolean() && node.exitValue() == 0, report);
        return result;
    }

    /**
     * Runs a command in {@code dir}, its output passed on to the test's {@code System.out}; fails the test unless it
     * ends with 0 in time. Never inherited: the test JVM's own stdout is its channel to the test runner, and a child
     * writing there corrupts it (and fails the build).
     */
    public static void command(Path dir, Duration deadline, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        Thread relay = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(System.out::println);
            } catch (IOException ended) {
                // the process was ended; what it printed so far was passed on
            }
        }, "relay " + command[0]);
        relay.setDaemon(true);
        relay.start();
        String what = String.join(" ", command);
        if (!process.waitFor(deadline.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError(what + " did not finish within " + deadline.toSeconds() + " s");
        }
        relay.join(TimeUnit.SECONDS.toMillis(5));
        assertTrue(process.exitValue() == 0, what + " failed in " + dir + " (exit " + process.exitValue() + ")");
    }

    /** The pinned client libraries; {@code npm ci} installs them (with Azurite) on a fresh checkout. */
    private static void ensureNodeModules(Path home) throws IOException, InterruptedException {
        if (Files.isDirectory(home.resolve("node_modules/@azure/web-pubsub-client"))) {
            return;
        }
        command(home, Duration.ofMinutes(10), "npm", "ci", "--no-audit", "--no-fund");
    }
}
