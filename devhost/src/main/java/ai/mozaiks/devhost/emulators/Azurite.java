package ai.mozaiks.devhost.emulators;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Azurite, the storage emulator, run from the project's pinned npm package. Installed with
 * {@code npm ci} on first use; reused when something already listens on its ports; stopped on
 * {@link #close()} only if this process started it.
 */
public final class Azurite implements AutoCloseable {
    /** Azurite's documented development account; public, the same on every machine. */
    static final String ACCOUNT = "devstoreaccount1";
    static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    public static final int DEFAULT_BLOB_PORT = 10000;
    public static final int DEFAULT_QUEUE_PORT = 10001;
    public static final int DEFAULT_TABLE_PORT = 10002;
    private static final Logger LOG = Logger.getLogger(Azurite.class.getName());
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);

    private final Process process;
    private final int blobPort;
    private final int queuePort;

    private Azurite(Process process, int blobPort, int queuePort) {
        this.process = process;
        this.blobPort = blobPort;
        this.queuePort = queuePort;
    }

    /**
     * Uses the Azurite listening on the given ports, or starts one there. {@code location} is where
     * it keeps data; {@code null} keeps everything in memory.
     */
    public static Azurite startOrReuse(Path home, int blobPort, int queuePort, int tablePort, Path location)
            throws IOException, InterruptedException {
        boolean blob = Ports.isListening(blobPort);
        boolean queue = Ports.isListening(queuePort);
        if (blob && queue) {
            LOG.info("Azurite already listens on " + blobPort + "/" + queuePort + "; using it");
            return new Azurite(null, blobPort, queuePort);
        }
        if (blob || queue) {
            throw new IllegalStateException("port " + (blob ? blobPort : queuePort)
                    + " is taken by something that is not a complete Azurite; free it or stop that process");
        }
        Path script = ensureInstalled(home);
        List<String> command = new ArrayList<>(List.of("node", script.toString(),
                "--silent", "--disableTelemetry", "--skipApiVersionCheck",
                "--blobHost", Ports.LOOPBACK, "--queueHost", Ports.LOOPBACK, "--tableHost", Ports.LOOPBACK,
                "--blobPort", Integer.toString(blobPort), "--queuePort", Integer.toString(queuePort),
                "--tablePort", Integer.toString(tablePort)));
        if (location == null) {
            command.add("--inMemoryPersistence");
        } else {
            Files.createDirectories(location);
            command.addAll(List.of("--location", location.toString()));
        }
        Path log = Files.createTempFile("azurite", ".log");
        Process process = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Azurite azurite = new Azurite(process, blobPort, queuePort);
        if (!Ports.awaitListening(blobPort, START_DEADLINE) || !Ports.awaitListening(queuePort, START_DEADLINE)) {
            azurite.close();
            throw new IllegalStateException("Azurite did not start within " + START_DEADLINE.toSeconds()
                    + " s; its output: " + Files.readString(log).strip());
        }
        return azurite;
    }

    /** The package's entry script, installing the pinned version with {@code npm ci} if missing. */
    static Path ensureInstalled(Path home) throws IOException, InterruptedException {
        Path script = home.resolve("node_modules/azurite/dist/src/azurite.js");
        if (Files.isRegularFile(script)) {
            return script;
        }
        System.out.println("Installing Azurite (npm ci, first run only)...");
        // Its output is shown, but it does not share this process's stdin: node makes an inherited stdin
        // non-blocking, which breaks whatever reads it here (a test runner's channel, a terminal).
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(home.toFile())
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        npm.getOutputStream().close();
        if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new IllegalStateException("npm ci failed in " + home + "; Node.js 18+ and npm are required");
        }
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("npm ci finished but " + script + " is missing");
        }
        return script;
    }

    public boolean startedHere() {
        return process != null;
    }

    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY
                + ";BlobEndpoint=http://" + Ports.LOOPBACK + ":" + blobPort + "/" + ACCOUNT
                + ";QueueEndpoint=http://" + Ports.LOOPBACK + ":" + queuePort + "/" + ACCOUNT + ";";
    }

    public int blobPort() {
        return blobPort;
    }

    public int queuePort() {
        return queuePort;
    }

    @Override
    public void close() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
