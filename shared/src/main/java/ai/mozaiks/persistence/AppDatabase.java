package ai.mozaiks.persistence;

import ai.mozaiks.kernel.AppId;
import com.mongodb.reactivestreams.client.MongoDatabase;

/** One app's runtime database, wherever routing put it; the only way to reach chat collections. */
public final class AppDatabase {
    private final AppId appId;
    private final StorageLocation location;
    private final MongoDatabase database;
    private final boolean orderedBulkWrites;

    AppDatabase(AppId appId, StorageLocation location, MongoDatabase database, boolean orderedBulkWrites) {
        this.appId = appId;
        this.location = location;
        this.database = database;
        this.orderedBulkWrites = orderedBulkWrites;
    }

    public AppId appId() {
        return appId;
    }

    public StorageLocation location() {
        return location;
    }

    public AppCollection collection(RuntimeCollection kind) {
        return new AppCollection(appId, kind, database.getCollection(kind.collectionName()), orderedBulkWrites);
    }
}
