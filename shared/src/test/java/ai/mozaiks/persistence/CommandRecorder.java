package ai.mozaiks.persistence;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bson.BsonValue;

/**
 * Records every command the driver starts, so a test can prove that commands really went over
 * the wire (and that a guard staying silent is not vacuous), or that a cache saved a round trip.
 */
public final class CommandRecorder implements CommandListener {

    /**
     * One started command: its database, name (a Cosmos extension command's action, e.g. {@code CreateCollection}), and
     * the collection it targets (null if none).
     */
    public record Observed(String database, String command, String collection) {
    }

    private final List<Observed> observed = new CopyOnWriteArrayList<>();

    @Override
    public void commandStarted(CommandStartedEvent event) {
        String command = event.getCommandName();
        BsonValue target = event.getCommand().get(command);
        if (command.equals("customAction") && target != null && target.isString()) {
            // Cosmos's extension commands: recorded by their action (CreateCollection), which names its collection apart.
            command = target.asString().getValue();
            target = event.getCommand().get("collection");
        }
        String collection = target != null && target.isString() ? target.asString().getValue() : null;
        observed.add(new Observed(event.getDatabaseName(), command, collection));
    }

    public List<Observed> observed() {
        return List.copyOf(observed);
    }

    /** How many commands named {@code command} targeted {@code collection}, in any database. */
    public long count(String command, String collection) {
        return observed.stream()
                .filter(o -> o.command().equals(command) && collection.equals(o.collection()))
                .count();
    }

    /** How many commands of any name targeted {@code collection}, in any database. */
    public long countOn(String collection) {
        return observed.stream().filter(o -> collection.equals(o.collection())).count();
    }

    public void clear() {
        observed.clear();
    }
}
