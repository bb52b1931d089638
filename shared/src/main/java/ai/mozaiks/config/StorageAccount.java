package ai.mozaiks.config;

/**
 * How to reach the storage account behind queues and blobs: a connection string (local
 * development, Azurite) or service endpoints reached with a managed identity (Azure), as the
 * Functions host itself reads {@code AzureWebJobsStorage}.
 */
public record StorageAccount(String connectionString, String queueEndpoint, String blobEndpoint, String managedIdentityClientId) {

    public static StorageAccount ofConnectionString(String connectionString) {
        return new StorageAccount(connectionString, null, null, null);
    }

    public static StorageAccount ofIdentity(String queueEndpoint, String blobEndpoint, String clientId) {
        return new StorageAccount(null, queueEndpoint, blobEndpoint, clientId);
    }

    public boolean usesConnectionString() {
        return connectionString != null;
    }

    @Override
    public String toString() {
        return usesConnectionString()
                ? "StorageAccount[connection string]"
                : "StorageAccount[identity, queues=" + queueEndpoint + ", blobs=" + blobEndpoint + "]";
    }
}
