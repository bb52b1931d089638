package ai.mozaiks.devhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.devhost.emulators.Ports;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * {@code ./run-local --mongodb <connection string>}: the devhost runs the platform on the given server (a user's Cosmos
 * DB or Atlas account; here a second embedded server the test starts) and starts no embedded MongoDB of its own.
 */
class ExternalMongoIT {
    @TempDir
    Path home;

    @Test
    void aGivenConnectionStringIsUsedInsteadOfTheEmbeddedServer() throws Exception {
        Files.copy(ProjectHome.find().resolve("local.settings.sample.json"), home.resolve("local.settings.sample.json"));
        Map<String, String> environment = new HashMap<>();
        environment.put("MONGODB_CONTROL_DATABASE", "external_control");
        environment.put("MONGODB_RUNTIME_DATABASE", "external_runtime");
        environment.put("AzureWebJobsStorage", TestEmulators.azurite().connectionString());
        environment.put("STEP_QUEUE", "external-" + Long.toHexString(System.nanoTime()));
        environment.put("MIGRATION_QUEUE", "external-migrations-" + Long.toHexString(System.nanoTime()));
        environment.put("WEBPUBSUB_CONNECTION_STRING", "Endpoint=http://127.0.0.1:" + Ports.free() + ";AccessKey=;Version=1.0;");
        environment.put("WORKFLOWS_DIR", ProjectHome.find().resolve("workflows").toString());
        int port = Ports.free();
        DevHost devHost = new DevHost();
        try (EmbeddedMongo theirs = EmbeddedMongo.inMemory()) {
            devHost.start(DevHostOptions.parse("--port", Integer.toString(port), "--mongodb", theirs.connectionString()),
                    home, environment);

            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/health")).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            try (MongoClient client = MongoClients.create(theirs.connectionString())) {
                List<String> databases = Flux.from(client.listDatabaseNames()).collectList().block(Duration.ofSeconds(10));
                assertTrue(databases.contains("external_control"), "the platform's control database is on the given server: " + databases);
            }
            assertFalse(Files.exists(home.resolve(".devhost/mongo")), "no embedded MongoDB was started");
        } finally {
            devHost.stop();
        }
    }
}
