package ai.mozaiks.payloads;

import com.azure.storage.blob.BlobServiceClientBuilder;

/** Payload stores for tests of the engine alone. */
public final class PayloadStores {
    private PayloadStores() {
    }

    /**
     * A store on the development storage account (Azurite's well-known one, on loopback), for tests whose answers stay
     * under the inline bound: it is never called, and a test that made it write without Azurite would fail, not pass.
     */
    public static PayloadStore developmentStorage() {
        return new PayloadStore(new BlobServiceClientBuilder().connectionString("UseDevelopmentStorage=true").buildAsyncClient(),
                "payloads");
    }
}
