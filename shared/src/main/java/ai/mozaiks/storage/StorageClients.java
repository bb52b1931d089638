package ai.mozaiks.storage;

import ai.mozaiks.config.StorageAccount;
import com.azure.core.credential.TokenCredential;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.storage.blob.BlobServiceAsyncClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import com.azure.storage.queue.QueueServiceAsyncClient;
import com.azure.storage.queue.QueueServiceClientBuilder;

/**
 * Builds the queue and blob service clients for the platform's storage account, by connection
 * string (local, Azurite) or by the function app's managed identity (Azure). Queue messages are base64, the encoding host.json names for the
 * queue trigger, so whatever this side enqueues the trigger reads.
 */
public final class StorageClients {
    private final QueueServiceAsyncClient queues;
    private final BlobServiceAsyncClient blobs;

    public StorageClients(StorageAccount account) {
        QueueServiceClientBuilder queueBuilder = new QueueServiceClientBuilder().messageEncoding(QueueMessageEncoding.BASE64);
        BlobServiceClientBuilder blobBuilder = new BlobServiceClientBuilder();
        if (account.usesConnectionString()) {
            queueBuilder.connectionString(account.connectionString());
            blobBuilder.connectionString(account.connectionString());
        } else {
            TokenCredential credential = managedIdentity(account.managedIdentityClientId());
            queueBuilder.endpoint(account.queueEndpoint()).credential(credential);
            blobBuilder.endpoint(account.blobEndpoint()).credential(credential);
        }
        this.queues = queueBuilder.buildAsyncClient();
        this.blobs = blobBuilder.buildAsyncClient();
    }

    /** The function app's managed identity (user-assigned when a client id is given), as the host finds it. */
    public static TokenCredential managedIdentity(String clientId) {
        ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder();
        if (clientId != null) {
            builder.clientId(clientId);
        }
        return builder.build();
    }

    public QueueServiceAsyncClient queues() {
        return queues;
    }

    public BlobServiceAsyncClient blobs() {
        return blobs;
    }
}
