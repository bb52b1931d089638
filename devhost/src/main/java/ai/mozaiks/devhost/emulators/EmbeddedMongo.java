package ai.mozaiks.devhost.emulators;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An in-process MongoDB wire-protocol server (mongo-java-server): the H2 file backend keeps data
 * across restarts for the devhost, the memory backend (its unique indexes used, {@link IndexedMemoryBackend}) serves
 * tests and benchmarks.
 */
public final class EmbeddedMongo implements AutoCloseable {
    private final MongoServer server;
    private final String connectionString;

    private EmbeddedMongo(MongoBackend backend, String host, int port) {
        this.server = new MongoServer(backend);
        server.bind(host, port);
        this.connectionString = "mongodb://" + host + ":" + server.getLocalAddress().getPort();
    }

    public static EmbeddedMongo onFile(Path file, String host, int port) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EmbeddedMongo(new H2Backend(file.toString()), host, port);
    }

    public static EmbeddedMongo inMemory() {
        return on(new IndexedMemoryBackend());
    }

    /** A server with the given backend on a free loopback port (tests add commands a target has, e.g. Cosmos's). */
    public static EmbeddedMongo on(MongoBackend backend) {
        return new EmbeddedMongo(backend, Ports.LOOPBACK, 0);
    }

    public String connectionString() {
        return connectionString;
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
