package ai.mozaiks.persistence;

/**
 * Where an app's runtime data lives: the app setting naming the MongoDB connection, and the
 * database on it. Holds no secret, so it may be logged and stored.
 */
public record StorageLocation(String connectionName, String databaseName) {
}
