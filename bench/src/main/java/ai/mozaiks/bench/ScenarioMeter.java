package ai.mozaiks.bench;

import com.mongodb.event.CommandFailedEvent;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Attributes the driver's commands to the scenario running: their count by name, the bytes of the command documents
 * sent, failures, and (from {@link RequestChargeProxy}) the request units each one cost. Scenarios run one at a time,
 * so whatever starts while one is current belongs to it.
 */
final class ScenarioMeter implements CommandListener {

    /** What one scenario sent and cost. */
    static final class Totals {
        final Map<String, Integer> commands = new TreeMap<>();
        long bytes;
        int failedCommands;
        int charged;
        double requestUnits;
        String error;

        int commandCount() {
            return commands.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final Map<String, Totals> scenarios = new LinkedHashMap<>();
    private volatile Totals current;

    synchronized void begin(String scenario) {
        current = scenarios.computeIfAbsent(scenario, name -> new Totals());
    }

    synchronized void end() {
        current = null;
    }

    synchronized Map<String, Totals> scenarios() {
        return Map.copyOf(scenarios);
    }

    synchronized Totals totals(String scenario) {
        return scenarios.get(scenario);
    }

    /** One request charge, from the proxy, to the scenario running. */
    void charged(RequestChargeProxy.Charge charge) {
        synchronized (this) {
            if (current != null) {
                current.charged++;
                current.requestUnits += charge.requestCharge();
            }
        }
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        int size = new RawBsonDocument(event.getCommand(), new BsonDocumentCodec()).getByteBuffer().remaining();
        synchronized (this) {
            if (current != null) {
                current.commands.merge(event.getCommandName(), 1, Integer::sum);
                current.bytes += size;
            }
        }
    }

    @Override
    public void commandFailed(CommandFailedEvent event) {
        synchronized (this) {
            if (current != null) {
                current.failedCommands++;
            }
        }
    }
}
