package ai.mozaiks.devhost;

import ai.mozaiks.devhost.emulators.Azurite;
import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Builds the devhost's AppCDS archive, which {@code ./run-local} and {@code bench/startup} start the JVM with
 * ({@code devhost/build-cds-if-stale} runs this after each build of the devhost): the classes of a cold start,
 * parsed, verified and laid out once here rather than at every start. On the 2-core reference machine that is
 * about a quarter of the devhost's start-up.
 *
 * <p>A training run starts the devhost jar as {@code ./run-local} does, in a scratch project home with every
 * emulator on a free port (a running devhost is never touched), waits for the first 200 from
 * {@code /api/health}, makes one authenticated API call, stops it and keeps the list of classes it loaded;
 * {@code java -Xshare:dump} then writes the archive from that list. The JVM leaves out classes of signed jars
 * (the Azure SDK's), and checks at every start that the jars are the ones archived, ignoring a stale archive.
 *
 * <p>Usage, from the repository root (the class path recorded in the archive is the one the scripts use):
 * {@code java -cp devhost/target/mozaiks-devhost.jar ai.mozaiks.devhost.StartupArchive <jar> <archive>}
 */
public final class StartupArchive {
    /** The flags {@code ./run-local} and {@code bench/startup} start the devhost with, so the same classes load. */
    private static final List<String> RUN_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StartupArchive() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: StartupArchive <devhost jar> <archive>");
        }
        Path home = ProjectHome.find();
        String jar = args[0];
        Path archive = Path.of(args[1]).toAbsolutePath();
        Path scratch = Files.createTempDirectory("mozaiks-cds");
        try {
            Path classes = train(home, jar, scratch);
            // JDK 17 crashes archiving this app's lambda proxies (SystemDictionaryShared::
            // adjust_lambda_proxy_class_dictionary), so the list keeps classes only; lambdas are spun at run time.
            Path classList = scratch.resolve("classes.classlist");
            try (Stream<String> lines = Files.lines(classes)) {
                Files.write(classList, lines.filter(line -> !line.startsWith("@")).toList());
            }
            Path dumped = scratch.resolve("archive.jsa");
            run(scratch.resolve("dump.log"), java(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + classList,
                    "-XX:SharedArchiveFile=" + dumped, "-jar", jar)));
            Files.move(dumped, archive, StandardCopyOption.REPLACE_EXISTING);
            System.out.println("AppCDS archive " + archive + " (" + Files.size(archive) / (1024 * 1024) + " MiB)");
        } finally {
            deleteTree(scratch);
        }
    }

    /** One cold start of the devhost in {@code scratch}; the classes it loaded. */
    private static Path train(Path home, String jar, Path scratch) throws IOException, InterruptedException {
        Path classes = scratch.resolve("loaded.classlist");
        Path state = scratch.resolve("home");
        Files.createDirectories(state);
        try (Azurite storage = Azurite.startOrReuse(home, Ports.free(), Ports.free(), Ports.free(), null)) {
            int port = Ports.free();
            // The sample's settings, as on a first ./run-local, with the emulators moved to free ports.
            Map<String, String> values = new HashMap<>(LocalSettings.values(home.resolve("local.settings.sample.json")));
            values.put("MONGODB_CONNECTION_STRING", "mongodb://" + Ports.LOOPBACK + ":" + Ports.free());
            values.put("AzureWebJobsStorage", storage.connectionString());
            values.put("WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://localhost:" + Ports.free() + ";AccessKey=;Version=1.0;");
            values.put("WORKFLOWS_DIR", home.resolve("workflows").toString());
            Files.writeString(state.resolve("local.settings.json"), Json.write(Map.of("Values", values)));

            List<String> command = java(List.of("-XX:DumpLoadedClassList=" + classes, "-Dmozaiks.home=" + state,
                    "-jar", jar, "--port", Integer.toString(port)));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(scratch.resolve("devhost.log").toFile());
            // Settings from this shell (an external MongoDB, another IdP) would change what the start loads.
            builder.environment().keySet().removeIf(name -> values.containsKey(name) || name.startsWith("MONGODB_CONNECTION_STRING"));
            Process devhost = builder.start();
            try {
                exercise(port, devhost);
            } catch (IOException | IllegalStateException e) {
                throw new IllegalStateException(e.getMessage() + "; the devhost's output: "
                        + Files.readString(scratch.resolve("devhost.log")).strip(), e);
            } finally {
                devhost.destroy();
                if (!devhost.waitFor(30, TimeUnit.SECONDS)) {
                    devhost.destroyForcibly();
                }
            }
        }
        return classes;
    }

    /** What a developer's first minute does: the health check until it answers 200, then one authenticated call. */
    private static void exercise(int port, Process devhost) throws IOException, InterruptedException {
        String base = "http://localhost:" + port;
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (status(get(base + "/api/health").build()) != 200) {
            if (!devhost.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the training devhost did not become healthy");
            }
            Thread.sleep(100);
        }
        HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/dev/token"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"sub\":\"cds-training\"}")).build(), HttpResponse.BodyHandlers.ofString());
        String accessToken = Json.read(token.body()).path("access_token").asText();
        int tenants = status(get(base + "/api/tenants").header("Authorization", "Bearer " + accessToken).build());
        if (tenants != 200) {
            throw new IllegalStateException("GET /api/tenants answered " + tenants);
        }
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    }

    private static int status(HttpRequest request) throws InterruptedException {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0; // not listening yet
        }
    }

    private static List<String> java(List<String> arguments) {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(RUN_FLAGS);
        command.addAll(arguments);
        return command;
    }

    private static void run(Path log, List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(log).strip());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
