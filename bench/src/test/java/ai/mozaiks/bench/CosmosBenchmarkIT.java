package ai.mozaiks.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.config.ConnectionStrings;
import ai.mozaiks.config.MongoFlavor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** bench/cosmos on the embedded server, through its charge proxy: every scenario works and is measured. */
class CosmosBenchmarkIT {

    @Test
    void everyScenarioRunsOnTheEmbeddedServerAndChargesAreNotApplicable() throws Exception {
        CosmosBenchmark.Report report = CosmosBenchmark.onEmbedded(2);

        assertEquals(List.of("indexes", "app record", "start chat", "turns (2)", "list chats", "read transcript", "app settings",
                "migration drain count", "migration copy"), report.scenarios());
        assertEquals(MongoFlavor.MONGODB, report.flavor());
        assertEquals(Boolean.FALSE, report.chargesSupported(), "the embedded server has no getLastRequestStatistics");
        for (String scenario : report.scenarios()) {
            ScenarioMeter.Totals totals = report.totals().get(scenario);
            assertNull(totals.error, scenario + ": " + totals.error);
            assertEquals(0, totals.failedCommands, scenario);
            assertTrue(totals.commandCount() > 0 && totals.bytes > 0, scenario + " sent commands: " + totals.commands);
            assertEquals(0, totals.charged, scenario);
        }
        // The turns ran the workflow's steps: the user's messages and the model's replies were written.
        assertTrue(report.totals().get("turns (2)").commands.getOrDefault("insert", 0) >= 2, report.totals().get("turns (2)").commands.toString());
        assertEquals(1, report.totals().get("migration copy").commands.get("update"), "one bulk upsert of the events");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CosmosBenchmark.print(report, new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertTrue(printed.contains("n/a: the server has no getLastRequestStatistics"), printed);
        assertFalse(printed.contains("FAILED"), printed);
    }

    /**
     * An embedded server that answers {@code getLastRequestStatistics} as Cosmos DB RU documents it: the charge of the
     * connection's last command (here 5 RU for an insert, 1 for a find, 2 for anything else).
     */
    private static final class ChargingBackend extends MemoryBackend {
        private final Map<Channel, String> last = new ConcurrentHashMap<>();

        @Override
        public Document handleCommand(Channel channel, String database, String command, Document query) {
            if (command.equals("getLastRequestStatistics")) {
                String previous = last.getOrDefault(channel, "none");
                double charge = previous.equals("insert") ? 5.0 : previous.equals("find") ? 1.0 : 2.0;
                Document answer = new Document("CommandName", previous);
                answer.put("RequestCharge", charge);
                answer.put("RequestDurationInMilliSeconds", 1);
                answer.put("ok", 1.0);
                return answer;
            }
            last.put(channel, command);
            return super.handleCommand(channel, database, command, query);
        }
    }

    @Test
    void onAServerThatReportsChargesEveryCommandIsChargedToItsScenario() throws Exception {
        MongoServer server = new MongoServer(new ChargingBackend());
        try {
            CosmosBenchmark.Report report = CosmosBenchmark.run(server.bindAndGetConnectionString(), null, 1);

            assertEquals(Boolean.TRUE, report.chargesSupported());
            for (String scenario : report.scenarios()) {
                ScenarioMeter.Totals totals = report.totals().get(scenario);
                assertNull(totals.error, scenario + ": " + totals.error);
                assertEquals(totals.commandCount(), totals.charged, scenario + ": every command charged once: " + totals.commands);
            }
            assertEquals(5.0, report.totals().get("app record").requestUnits, 1e-9, "one insert");
            assertEquals(1.0, report.totals().get("list chats").requestUnits, 1e-9, "one find");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CosmosBenchmark.print(report, new PrintStream(out, true, StandardCharsets.UTF_8));
            System.out.print(out.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("request units from getLastRequestStatistics"));
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void aCosmosRuStringGoesThroughTheProxyWithoutTlsOrReplicaSetDiscovery() {
        String ru = "mongodb://acct:k3y%3D%3D@acct.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet=globaldb&retrywrites=false"
                + "&maxIdleTimeMS=120000&appName=@acct@";
        String proxied = CosmosBenchmark.throughProxy(ru, ConnectionStrings.parseWithoutLookups(ru), 4321);
        assertEquals("mongodb://acct:k3y%3D%3D@127.0.0.1:4321/?retrywrites=false&maxIdleTimeMS=120000&appName=@acct@&directConnection=true",
                proxied);
    }
}
