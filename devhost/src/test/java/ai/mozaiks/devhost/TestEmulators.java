package ai.mozaiks.devhost;

import ai.mozaiks.devhost.emulators.Azurite;
import ai.mozaiks.devhost.emulators.EmbeddedMongo;
import ai.mozaiks.devhost.emulators.Ports;
import ai.mozaiks.persistence.CosmosRuBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * The emulators the tests run against, started once per test JVM on free ports (never the
 * developer's 10000-10002/27017) and stopped by a shutdown hook.
 */
public final class TestEmulators {
    private static Azurite azurite;
    private static EmbeddedMongo mongo;
    private static boolean hookInstalled;

    private TestEmulators() {
    }

    /** A real Azurite with in-memory persistence, started on first use. */
    public static synchronized Azurite azurite() {
        if (azurite == null) {
            installHook();
            Set<Integer> ports = new HashSet<>();
            while (ports.size() < 3) {
                ports.add(Ports.free());
            }
            Integer[] chosen = ports.toArray(Integer[]::new);
            try {
                azurite = Azurite.startOrReuse(ProjectHome.find(), chosen[0], chosen[1], chosen[2], null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting Azurite", e);
            }
            if (!azurite.startedHere()) {
                throw new IllegalStateException("expected a fresh Azurite on free ports, found one already listening");
            }
        }
        return azurite;
    }

    /**
     * The embedded MongoDB wire-protocol server with the memory backend, started on first use. It also answers Cosmos
     * DB RU's CreateCollection, since the suite's platforms run as on RU ({@code StrictProfileExtension.SETTINGS}).
     */
    public static synchronized EmbeddedMongo mongo() {
        if (mongo == null) {
            installHook();
            mongo = EmbeddedMongo.on(new CosmosRuBackend());
        }
        return mongo;
    }

    private static void installHook() {
        if (hookInstalled) {
            return;
        }
        hookInstalled = true;
        Runtime.getRuntime().addShutdownHook(new Thread(TestEmulators::stopAll, "test-emulators-stop"));
    }

    private static synchronized void stopAll() {
        if (mongo != null) {
            mongo.close();
            mongo = null;
        }
        if (azurite != null) {
            try {
                azurite.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            azurite = null;
        }
    }
}
