package ai.mozaiks.bench;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the database commands the driver starts, as reads or writes, between two {@link #take()}s.
 * The benchmark runs one phase at a time and waits for it, so every command started between two takes
 * belongs to that phase.
 */
final class CommandCounter implements CommandListener {
    static final Set<String> READS = Set.of("find", "aggregate", "count", "getMore", "distinct");
    static final Set<String> WRITES = Set.of("insert", "update", "delete", "findAndModify");
    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

    /**
     * What one phase sent: reads, writes, anything else, the BSON bytes of its write commands (what a request-unit
     * database charges writes by), and each command by name and collection.
     */
    record Counts(int reads, int writes, int other, long writeBytes, Map<String, Integer> byCommand) {
    }

    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger writes = new AtomicInteger();
    private final AtomicInteger other = new AtomicInteger();
    private final AtomicLong writeBytes = new AtomicLong();
    private final Map<String, AtomicInteger> byCommand = new ConcurrentHashMap<>();

    @Override
    public void commandStarted(CommandStartedEvent event) {
        String name = event.getCommandName();
        if (READS.contains(name)) {
            reads.incrementAndGet();
        } else if (WRITES.contains(name)) {
            writes.incrementAndGet();
            writeBytes.addAndGet(new RawBsonDocument(event.getCommand(), CODEC).getByteBuffer().remaining());
        } else {
            other.incrementAndGet();
        }
        BsonValue target = event.getCommand().get(name);
        String collection = target != null && target.isString() ? target.asString().getValue() : "-";
        byCommand.computeIfAbsent(name + " " + collection, key -> new AtomicInteger()).incrementAndGet();
    }

    /** The counts since the last take, resetting them. */
    synchronized Counts take() {
        Map<String, Integer> commands = new TreeMap<>();
        byCommand.forEach((key, count) -> {
            int n = count.getAndSet(0);
            if (n > 0) {
                commands.put(key, n);
            }
        });
        return new Counts(reads.getAndSet(0), writes.getAndSet(0), other.getAndSet(0), writeBytes.getAndSet(0), commands);
    }
}
