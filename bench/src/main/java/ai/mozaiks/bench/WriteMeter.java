package ai.mozaiks.bench;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.util.Map;
import java.util.TreeMap;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * The write commands the driver starts, per collection, between two {@link #take()}s: how many, the BSON bytes of
 * the whole commands, and the bytes of what they write (the inserted documents, the update specifications), which is
 * what a request-unit database bills by for an insert and what an update sends. Phases run one at a time, so whatever
 * starts between two takes belongs to the phase.
 */
final class WriteMeter implements CommandListener {
    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

    /** One collection's writes in a phase: commands, their bytes, and the bytes of the documents or updates they carry. */
    record Writes(int commands, long commandBytes, long payloadBytes) {
        Writes plus(Writes other) {
            return new Writes(commands + other.commands, commandBytes + other.commandBytes, payloadBytes + other.payloadBytes);
        }
    }

    private Map<String, Writes> current = new TreeMap<>();

    @Override
    public void commandStarted(CommandStartedEvent event) {
        String name = event.getCommandName();
        if (!CommandCounter.WRITES.contains(name)) {
            return;
        }
        BsonDocument command = event.getCommand();
        BsonValue target = command.get(name);
        String collection = target != null && target.isString() ? target.asString().getValue() : "-";
        Writes writes = new Writes(1, size(command), payload(name, command));
        synchronized (this) {
            current.merge(collection, writes, Writes::plus);
        }
    }

    /** What the command writes: the documents of an insert, the {@code u} of each update, a findAndModify's update. */
    private static long payload(String name, BsonDocument command) {
        return switch (name) {
            case "insert" -> sum(command.getArray("documents", new BsonArray()), null);
            case "update" -> sum(command.getArray("updates", new BsonArray()), "u");
            case "findAndModify" -> command.containsKey("update") ? size(command.get("update")) : 0;
            default -> 0;
        };
    }

    private static long sum(BsonArray items, String field) {
        long bytes = 0;
        for (BsonValue item : items) {
            bytes += size(field == null ? item : item.asDocument().get(field));
        }
        return bytes;
    }

    private static long size(BsonValue value) {
        if (value == null) {
            return 0;
        }
        if (value.isDocument()) {
            return new RawBsonDocument(value.asDocument(), CODEC).getByteBuffer().remaining();
        }
        if (value.isArray()) {
            // An aggregation-pipeline update: its stages.
            return sum(value.asArray(), null);
        }
        return 0;
    }

    /** The writes since the last take, by collection, resetting them. */
    synchronized Map<String, Writes> take() {
        Map<String, Writes> taken = current;
        current = new TreeMap<>();
        return taken;
    }
}
