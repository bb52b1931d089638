package ai.mozaiks.persistence;

import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded server's memory backend plus the Cosmos DB for MongoDB RU extension commands the ensure step sends,
 * with their documented semantics (https://learn.microsoft.com/azure/cosmos-db/mongodb/custom-commands):
 * {@code CreateCollection} creates the collection with its shard key and the given indexes, refuses a collection
 * that exists (48 NamespaceExists: Cosmos's code for that answer is not documented) and an {@code indexes} list
 * without the index on {@code _id} ("When present, an index on _id is required"); {@code GetCollection} answers the
 * collection's {@code shardKeyDefinition}. An insert into a sharded collection of a document without the shard key
 * is refused ("If it's specified, all documents inserted require this key and value"). Everything else is the memory
 * backend's, so the suite runs the RU creation path against a real wire server.
 */
public class CosmosRuBackend extends MemoryBackend {
    /** Namespace → the shard key CreateCollection was given. */
    private final Map<String, String> shardKeys = new ConcurrentHashMap<>();

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
        switch (command) {
            case "customAction" -> {
                return customAction(channel, database, query);
            }
            case "insert" -> requireShardKey(database, query);
            case "drop" -> shardKeys.remove(database + "." + query.get("drop"));
            case "dropDatabase" -> shardKeys.keySet().removeIf(namespace -> namespace.startsWith(database + "."));
            default -> {
            }
        }
        return super.handleCommand(channel, database, command, query);
    }

    /** The shard key of a collection made by CreateCollection, or null (unsharded, or made another way). */
    public String shardKey(String database, String collection) {
        return shardKeys.get(database + "." + collection);
    }

    private void requireShardKey(String database, Document query) {
        String shardKey = shardKeys.get(database + "." + query.get("insert"));
        if (shardKey == null || !(query.get("documents") instanceof List<?> documents)) {
            return;
        }
        for (Object document : documents) {
            if (document instanceof Document inserted && inserted.get(shardKey) == null) {
                throw new MongoServerError(2, "BadValue", "a document inserted into " + database + "." + query.get("insert")
                        + " lacks its shard key " + shardKey);
            }
        }
    }

    private Document customAction(Channel channel, String database, Document query) {
        Object action = query.get("customAction");
        if (!(query.get("collection") instanceof String collection) || collection.isEmpty()) {
            throw new MongoServerError(2, "BadValue", "customAction " + action + " needs a collection name");
        }
        return switch (String.valueOf(action)) {
            case "CreateCollection" -> createCollection(channel, database, collection, query);
            case "GetCollection" -> getCollection(database, collection);
            default -> throw new MongoServerError(59, "CommandNotFound", "no such customAction: " + action);
        };
    }

    private Document createCollection(Channel channel, String database, String collection, Document query) {
        List<Document> indexes = new ArrayList<>();
        Object declared = query.get("indexes");
        if (declared != null) {
            boolean idIndex = false;
            for (Object index : (List<?>) declared) {
                Document definition = (Document) index;
                Document key = (Document) definition.get("key");
                if (key.size() == 1 && key.containsKey("_id")) {
                    idIndex = true;
                } else {
                    indexes.add(definition);
                }
            }
            if (!idIndex) {
                throw new MongoServerError(2, "BadValue", "indexes of CreateCollection: an index on _id is required");
            }
        }
        Object shardKey = query.get("shardKey");
        if (shardKey != null && !(shardKey instanceof String)) {
            throw new MongoServerError(2, "BadValue", "shardKey is the path of one field");
        }
        // Refuses a collection that exists, as create does.
        super.handleCommand(channel, database, "create", new Document("create", collection));
        if (!indexes.isEmpty()) {
            try {
                super.handleCommand(channel, database, "createIndexes", new Document("createIndexes", collection).append("indexes", indexes));
            } catch (RuntimeException e) {
                // One command: the collection is not left behind without the indexes it was declared with.
                super.handleCommand(channel, database, "drop", new Document("drop", collection));
                throw e;
            }
        }
        if (shardKey != null) {
            shardKeys.put(database + "." + collection, (String) shardKey);
        }
        return new Document("ok", 1.0);
    }

    private Document getCollection(String database, String collection) {
        if (resolveDatabase(database).resolveCollection(collection, false) == null) {
            throw new MongoServerError(26, "NamespaceNotFound", "collection " + database + "." + collection + " not found");
        }
        Document answer = new Document("database", database).append("collection", collection);
        String shardKey = shardKeys.get(database + "." + collection);
        if (shardKey != null) {
            // Cosmos shards by hash.
            answer.append("shardKeyDefinition", new Document(shardKey, "hashed"));
        }
        return answer.append("ok", 1.0);
    }
}
