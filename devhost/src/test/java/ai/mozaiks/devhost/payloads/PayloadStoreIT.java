package ai.mozaiks.devhost.payloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.TestEmulators;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.payloads.PayloadStore;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The payload store against Azurite: where a payload goes, that a repeat writes the same blob, and who can read it. */
class PayloadStoreIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final String containerName = "payloads-" + UUID.randomUUID().toString().substring(0, 8);
    private final PayloadStore store = new PayloadStore(new BlobServiceClientBuilder()
            .connectionString(TestEmulators.azurite().connectionString()).buildAsyncClient(), containerName);
    private final BlobContainerClient container = new BlobServiceClientBuilder()
            .connectionString(TestEmulators.azurite().connectionString()).buildClient().getBlobContainerClient(containerName);

    private List<String> blobs(String prefix) {
        List<String> names = new ArrayList<>();
        for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(prefix), TIMEOUT)) {
            names.add(item.getName());
        }
        return names;
    }

    @Test
    void aRepeatWritesTheSameBlobAndAnotherContentAnotherOne() {
        AppId app = AppId.of("app-payloads-1");
        String answer = "{\"notes\":\"" + "é".repeat(100_000) + "\"}";

        PayloadStore.Stored first = store.put(app, "chat_1", "ui", "call_1", answer).block(TIMEOUT);
        PayloadStore.Stored again = store.put(app, "chat_1", "ui", "call_1", answer).block(TIMEOUT);
        assertEquals(first, again, "the same content is the same payload");
        assertEquals(List.of("app-payloads-1/chat_1/" + first.payloadId()), blobs("app-payloads-1/"), "one blob, under the app and chat");
        assertEquals(answer.length(), first.chars());
        assertEquals(PayloadStore.PREVIEW_CHARS, first.preview().length());
        assertTrue(answer.startsWith(first.preview()));
        assertEquals(PayloadStore.payloadId("ui", "call_1", answer), first.payloadId(), "known before it is written");

        PayloadStore.Stored other = store.put(app, "chat_1", "ui", "call_1", answer + " ").block(TIMEOUT);
        assertNotEquals(first.payloadId(), other.payloadId(), "another answer never replaces the first");
        assertEquals(answer, store.read(app, "chat_1", first.payloadId()).block(TIMEOUT), "read back whole");
        assertEquals(answer + " ", store.read(app, "chat_1", other.payloadId()).block(TIMEOUT));
    }

    @Test
    void aPayloadIsReadOnlyInItsOwnAppAndChat() {
        AppId app = AppId.of("app-payloads-2");
        String result = "r".repeat(70_000);
        String id = store.put(app, "chat_2", "tool", "3-call_x", result).block(TIMEOUT).payloadId();

        assertEquals(result, store.read(app, "chat_2", id).block(TIMEOUT));
        assertFalse(store.read(AppId.of("app-payloads-other"), "chat_2", id).hasElement().block(TIMEOUT), "another app");
        assertFalse(store.read(app, "chat_3", id).hasElement().block(TIMEOUT), "another chat");
        assertFalse(store.read(app, "chat_2", id.replace("tool-", "ui-")).hasElement().block(TIMEOUT), "no such payload");
        assertFalse(store.read(app, "chat_2", "../chat_3/" + id).hasElement().block(TIMEOUT), "not a payload id");
        assertFalse(store.read(app, "../app-payloads-2/chat_2", id).hasElement().block(TIMEOUT), "not a chat id");
    }

    @Test
    void aCallIdThatCannotBeABlobNameIsReplacedByItsDigest() {
        AppId app = AppId.of("app-payloads-3");
        String id = store.put(app, "chat_4", "tool", "1-call/../../x y", "z".repeat(10)).block(TIMEOUT).payloadId();
        assertTrue(id.matches("tool-[0-9a-f]{40}-[0-9a-f]{32}"), id);
        assertEquals(List.of("app-payloads-3/chat_4/" + id), blobs("app-payloads-3/"));
    }

    @Test
    void readingBeforeAnyWriteFindsNothing() {
        PayloadStore fresh = new PayloadStore(new BlobServiceClientBuilder().connectionString(TestEmulators.azurite().connectionString())
                .buildAsyncClient(), "payloads-none-" + UUID.randomUUID().toString().substring(0, 8));
        assertFalse(fresh.read(AppId.of("app-x"), "chat_1", "ui-call_1-" + "0".repeat(32)).hasElement().block(TIMEOUT),
                "the container does not exist yet: not found, not an error");
    }
}
