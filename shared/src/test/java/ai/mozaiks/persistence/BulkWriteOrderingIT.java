package ai.mozaiks.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.mozaiks.config.Settings;
import ai.mozaiks.config.TestSettings;
import ai.mozaiks.kernel.AppId;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migration copy's bulk upserts, as the driver sends them: unordered, except on Cosmos RU with retryable writes
 * on, which refuses unordered bulk writes.
 */
class BulkWriteOrderingIT {
    private static final AppId APP = AppId.of("app-bulk");
    private MongoServer server;
    private String connectionString;

    /** The {@code ordered} field of every update command the driver sends. */
    private static final class UpdateOrdering implements CommandListener {
        final List<Boolean> ordered = new CopyOnWriteArrayList<>();

        @Override
        public void commandStarted(CommandStartedEvent event) {
            if (event.getCommandName().equals("update")) {
                ordered.add(event.getCommand().getBoolean("ordered").getValue());
            }
        }
    }

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        connectionString = server.bindAndGetConnectionString();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    private List<Boolean> copyTwoDocuments(String connection, String flavor) {
        Map<String, String> source = TestSettings.minimal(connection);
        if (flavor != null) {
            source.put("MONGODB_FLAVOR", flavor);
        }
        Settings settings = Settings.from(source);
        UpdateOrdering listener = new UpdateOrdering();
        try (MongoConnections connections = new MongoConnections(settings.mongo(), Duration.ofSeconds(5), List.of(listener))) {
            AppCollection events = connections.appDatabase(APP, connections.sharedRuntimeLocation())
                    .collection(RuntimeCollection.CHAT_EVENTS);
            events.upsertAll(List.of(new Document("_id", "e1").append("seq", 1), new Document("_id", "e2").append("seq", 2)))
                    .block(Duration.ofSeconds(5));
            assertEquals(2L, events.count(null).block(Duration.ofSeconds(5)));
        }
        return listener.ordered;
    }

    @Test
    void mongoDbAndCosmosRuWithoutRetryableWritesCopyUnordered() {
        assertEquals(List.of(false), copyTwoDocuments(connectionString, null));
        assertEquals(List.of(false), copyTwoDocuments(connectionString, "cosmos-ru"));
    }

    @Test
    void cosmosRuWithRetryableWritesOnCopiesInOrder() {
        assertEquals(List.of(true), copyTwoDocuments(connectionString + "/?retryWrites=true", "cosmos-ru"));
        assertEquals(List.of(false), copyTwoDocuments(connectionString + "/?retryWrites=true", "mongodb"));
    }
}
