package ai.mozaiks.devhost.outage;

import ai.mozaiks.persistence.CosmosRuBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An embedded MongoDB (mongo-java-server, memory backend) on loopback that throttles as a Cosmos DB RU account does
 * when its request units are spent: during a window ({@link #throttleFor}) it answers a share of the data commands
 * with error 16500 TooManyRequests, its {@code errmsg} in Cosmos's words ("Error=16500, RetryAfterMs=…, Details=…").
 * Handshakes and monitoring are never throttled (Cosmos does not either). The real driver sees a real server error.
 */
public final class ThrottlingMongo implements AutoCloseable {
    /** The commands Cosmos charges request units for, and so may throttle. */
    private static final Set<String> DATA_COMMANDS = Set.of("find", "getMore", "insert", "update", "delete", "findAndModify",
            "aggregate", "count", "distinct", "createIndexes", "listIndexes", "listCollections", "create", "customAction");

    private final MongoServer server;
    private final String connectionString;
    private final Backend backend;

    private ThrottlingMongo(Backend backend) {
        this.backend = backend;
        this.server = new MongoServer(backend);
        server.bind(InetAddress.getLoopbackAddress().getHostAddress(), 0);
        this.connectionString = "mongodb://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getLocalAddress().getPort();
    }

    /** A server that answers {@code share} (0..1) of the data commands with 16500 during a window, asking for {@code retryAfter}. */
    public static ThrottlingMongo start(double share, Duration retryAfter) {
        return new ThrottlingMongo(new Backend(share, retryAfter.toMillis()));
    }

    public String connectionString() {
        return connectionString;
    }

    /** Throttles from now for {@code window}. */
    public void throttleFor(Duration window) {
        backend.until = System.nanoTime() + window.toNanos();
        backend.throttling = true;
    }

    /** Data commands answered so far, and how many of them with 16500. */
    public long commands() {
        return backend.commands.get();
    }

    public long throttled() {
        return backend.throttled.get();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

    /** Cosmos RU's collection commands too: the hosts on it run as on RU, their deploy step with CreateCollection. */
    private static final class Backend extends CosmosRuBackend {
        private final double share;
        private final long retryAfterMs;
        private final AtomicLong commands = new AtomicLong();
        private final AtomicLong throttled = new AtomicLong();
        private volatile boolean throttling;
        private volatile long until;

        Backend(double share, long retryAfterMs) {
            this.share = share;
            this.retryAfterMs = retryAfterMs;
        }

        @Override
        public Document handleCommand(Channel channel, String database, String command, Document query) {
            if (DATA_COMMANDS.contains(command)) {
                commands.incrementAndGet();
                if (throttling && System.nanoTime() - until < 0 && ThreadLocalRandom.current().nextDouble() < share) {
                    throttled.incrementAndGet();
                    // Cosmos's errmsg, as its clients report it (e.g. MicrosoftDocs/azure-docs#69351).
                    throw new MongoServerError(16500, "TooManyRequests", "Error=16500, RetryAfterMs=" + retryAfterMs
                            + ", Details='Response status code does not indicate success: TooManyRequests (429); Substatus: 3200; "
                            + "Reason: (Request rate is large. More Request Units may be needed, so no changes were made. "
                            + "Please retry this request later. Learn more: http://aka.ms/cosmosdb-error-429)'");
                }
            }
            return super.handleCommand(channel, database, command, query);
        }
    }
}
