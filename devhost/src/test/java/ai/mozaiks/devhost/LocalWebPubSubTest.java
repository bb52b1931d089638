package ai.mozaiks.devhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which Web PubSub the devhost provides, from WEBPUBSUB_CONNECTION_STRING. */
class LocalWebPubSubTest {
    private static final String DEV_KEY = "the-devhost-key-of-at-least-32-bytes!!";

    @Test
    void blankMeansTheEmulatorOnItsDefaultPortWithTheDevhostsKey() {
        assertEquals(Optional.of(new LocalWebPubSub(LocalWebPubSub.DEFAULT_PORT, DEV_KEY)), LocalWebPubSub.from("", DEV_KEY));
        assertEquals(Optional.of(new LocalWebPubSub(LocalWebPubSub.DEFAULT_PORT, DEV_KEY)), LocalWebPubSub.from(null, DEV_KEY));
    }

    @Test
    void aLocalEndpointNamesThePortAndMayNameTheKey() {
        assertEquals(Optional.of(new LocalWebPubSub(7080, DEV_KEY)),
                LocalWebPubSub.from("Endpoint=http://localhost:7080;AccessKey=;Version=1.0;", DEV_KEY), "the sample's form");
        assertEquals(Optional.of(new LocalWebPubSub(9000, "chosen-key")),
                LocalWebPubSub.from("endpoint=http://127.0.0.1:9000; accesskey=chosen-key", DEV_KEY));
    }

    @Test
    void anyOtherEndpointIsARealService() {
        assertTrue(LocalWebPubSub.from("Endpoint=https://mozaiks.webpubsub.azure.com;AccessKey=k;Version=1.0;", DEV_KEY).isEmpty());
        assertTrue(LocalWebPubSub.from("Endpoint=https://localhost:7080;AccessKey=k;", DEV_KEY).isEmpty(), "https is not the emulator");
        assertTrue(LocalWebPubSub.from("Endpoint=not a url;AccessKey=k", DEV_KEY).isEmpty());
    }
}
