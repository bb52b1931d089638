package ai.mozaiks.persistence;

import ai.mozaiks.config.ConnectionStrings;

import com.mongodb.event.CommandFailedEvent;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * The strict "Cosmos RU" profile: watches every command the driver sends and reports any that uses a shape the
 * Cosmos DB for MongoDB RU API refuses ({@link CosmosRuRule}, each rule with its source), so a suite running against
 * a permissive server still holds the code to RU. It judges the wire, not the server: it learns each collection's
 * indexes from the {@code createIndexes} commands and {@code listIndexes} answers it sees (plus {@code _id}), each
 * collection's shard key from the {@code CreateCollection} commands and {@code GetCollection} answers it sees (Cosmos's
 * extension commands, which also declare indexes), and which collections hold data from the inserts and upserts it sees.
 */
public final class CosmosRuProfile implements CommandListener {
    private static final Logger LOG = Logger.getLogger(CosmosRuProfile.class.getName());
    private static final int KEPT = 100;
    /** RU's item size limit (without the 16 MB capability). */
    static final int MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
    /** RU's nesting limit for embedded objects and arrays. */
    static final int MAX_NESTING = 128;
    private static final BsonDocument ID_INDEX = new BsonDocument("_id", new org.bson.BsonInt32(1));

    private final boolean ttlOnCustomPath;
    private final boolean retryWrites;
    /** Namespace → the key documents of its indexes, as declared. */
    private final Map<String, List<BsonDocument>> indexes = new ConcurrentHashMap<>();
    /** Namespace → the field its TTL index is on. */
    private final Map<String, String> ttlFields = new ConcurrentHashMap<>();
    /** Namespaces something was inserted or upserted into. */
    private final Set<String> populated = ConcurrentHashMap.newKeySet();
    /** Namespace → the field its collection is sharded on. */
    private final Map<String, String> shardKeys = new ConcurrentHashMap<>();
    /** listIndexes commands in flight, by request id: their answers tell indexes that exist. */
    private final Map<Integer, String> listing = new ConcurrentHashMap<>();
    /** GetCollection commands in flight, by request id: their answers tell shard keys. */
    private final Map<Integer, String> describing = new ConcurrentHashMap<>();
    private final List<Violation> violations = new CopyOnWriteArrayList<>();

    public record Violation(String database, String collection, String command, CosmosRuRule rule, String detail) {
    }

    /**
     * @param ttlOnCustomPath the account has the {@code EnableTtlOnCustomPath} capability (a TTL on one field other
     *                        than {@code _ts} per collection)
     * @param retryWrites     the client has retryable writes on (the connection string does not say
     *                        {@code retryWrites=false})
     */
    public CosmosRuProfile(boolean ttlOnCustomPath, boolean retryWrites) {
        this.ttlOnCustomPath = ttlOnCustomPath;
        this.retryWrites = retryWrites;
    }

    /** The profile the settings ask for ({@code MONGODB_STRICT_PROFILE=cosmos-ru}), or null when it is off. */
    public static CosmosRuProfile from(ai.mozaiks.config.MongoSettings settings) {
        ai.mozaiks.config.MongoSettings.StrictProfile strict = settings.strictProfile();
        if (!strict.cosmosRu()) {
            return null;
        }
        // Retryable writes as the clients are really set up: the connection string's word, else its flavor's default.
        boolean retryWrites = settings.connections().keySet().stream().anyMatch(name -> ConnectionProfile.of(settings.flavor(name),
                ConnectionStrings.parseWithoutLookups(settings.connectionString(name)), settings.maxIdleTime()).retryWrites());
        return new CosmosRuProfile(strict.ttlOnCustomPath(), retryWrites);
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    public void clear() {
        violations.clear();
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        String command = event.getCommandName();
        BsonDocument body = event.getCommand();
        if (command.equals("customAction")) {
            customAction(event, body);
            return;
        }
        BsonValue target = body.get(command);
        if (target == null || !target.isString()) {
            return;
        }
        Context context = new Context(event.getDatabaseName(), target.asString().getValue(), command);
        switch (command) {
            case "createIndexes" -> createIndexes(context, body);
            case "listIndexes" -> listing.put(event.getRequestId(), context.namespace());
            case "find" -> sort(context, body.get("sort"));
            case "aggregate" -> aggregate(context, body.get("pipeline"));
            case "findAndModify", "findandmodify" -> findAndModify(context, body);
            case "insert" -> insert(context, body);
            case "update" -> update(context, body);
            case "delete" -> unordered(context, body);
            default -> {
            }
        }
    }

    /**
     * What a listing answered is known too: a process started on a deployed database (whose deploy step lists the
     * indexes and finds nothing to create) sees no createIndexes, yet its sorts are served.
     */
    @Override
    public void commandSucceeded(CommandSucceededEvent event) {
        String described = describing.remove(event.getRequestId());
        if (described != null) {
            BsonValue definition = event.getResponse().get("shardKeyDefinition");
            if (definition != null && definition.isDocument() && !definition.asDocument().isEmpty()) {
                shardKeys.put(described, definition.asDocument().getFirstKey());
            }
            return;
        }
        String namespace = listing.remove(event.getRequestId());
        BsonValue cursor = namespace == null ? null : event.getResponse().get("cursor");
        BsonValue batch = cursor == null || !cursor.isDocument() ? null : cursor.asDocument().get("firstBatch");
        if (batch == null || !batch.isArray()) {
            return;
        }
        for (BsonValue index : batch.asArray()) {
            if (index.isDocument() && index.asDocument().isDocument("key")) {
                know(namespace, index.asDocument().getDocument("key").clone());
            }
        }
    }

    @Override
    public void commandFailed(CommandFailedEvent event) {
        listing.remove(event.getRequestId());
        describing.remove(event.getRequestId());
    }

    private void know(String namespace, BsonDocument key) {
        List<BsonDocument> known = indexes.computeIfAbsent(namespace, ignored -> new CopyOnWriteArrayList<>());
        // Not contains(): BsonDocument equality ignores field order, which is what tells (a, b) from (b, a).
        String declared = key.toJson();
        if (known.stream().noneMatch(existing -> existing.toJson().equals(declared))) {
            known.add(key);
        }
    }

    private record Context(String database, String collection, String command) {
        String namespace() {
            return database + "." + collection;
        }
    }

    /**
     * Cosmos's extension commands name their collection in {@code collection}: CreateCollection declares its shard key
     * and indexes (on an empty collection), GetCollection answers the shard key.
     */
    private void customAction(CommandStartedEvent event, BsonDocument body) {
        BsonValue action = body.get("customAction");
        BsonValue collection = body.get("collection");
        if (action == null || !action.isString() || collection == null || !collection.isString()) {
            return;
        }
        Context context = new Context(event.getDatabaseName(), collection.asString().getValue(), action.asString().getValue());
        switch (context.command()) {
            case "CreateCollection" -> {
                BsonValue shardKey = body.get("shardKey");
                if (shardKey != null && shardKey.isString()) {
                    shardKeys.put(context.namespace(), shardKey.asString().getValue());
                }
                // Made now, so empty (Cosmos refuses CreateCollection for a collection that exists): its unique indexes are
                // built before any document.
                populated.remove(context.namespace());
                indexes(context, body.get("indexes"));
            }
            case "GetCollection" -> describing.put(event.getRequestId(), context.namespace());
            default -> {
            }
        }
    }

    private void createIndexes(Context context, BsonDocument body) {
        indexes(context, body.get("indexes"));
    }

    private void indexes(Context context, BsonValue list) {
        if (list == null || !list.isArray()) {
            return;
        }
        for (BsonValue value : list.asArray()) {
            if (!value.isDocument() || !value.asDocument().isDocument("key")) {
                continue;
            }
            BsonDocument index = value.asDocument();
            // A copy: the event's document reads the driver's buffer, which is reused once the listener returns.
            BsonDocument key = index.getDocument("key").clone();
            String name = index.isString("name") ? index.getString("name").getValue() : key.toJson();
            if (isTrue(index.get("sparse"))) {
                report(context, CosmosRuRule.SPARSE_INDEX, "index " + name + " is sparse");
            }
            if (index.containsKey("partialFilterExpression")) {
                report(context, CosmosRuRule.PARTIAL_INDEX, "index " + name + " is partial");
            }
            if (index.containsKey("expireAfterSeconds")) {
                ttl(context, name, key);
            }
            if (isTrue(index.get("unique")) && populated.contains(context.namespace())) {
                report(context, CosmosRuRule.UNIQUE_INDEX_ON_POPULATED_COLLECTION,
                        "unique index " + name + " declared after documents were written");
            }
            String shardKey = shardKeys.get(context.namespace());
            if (isTrue(index.get("unique")) && shardKey != null && !key.isEmpty() && !key.getFirstKey().equals(shardKey)) {
                report(context, CosmosRuRule.UNIQUE_INDEX_NOT_LED_BY_SHARD_KEY, "unique index " + name + " " + key.toJson()
                        + " on a collection sharded on " + shardKey);
            }
            know(context.namespace(), key);
        }
    }

    private void ttl(Context context, String name, BsonDocument key) {
        if (key.size() != 1) {
            report(context, CosmosRuRule.TTL_PATH, "TTL index " + name + " has more than one field");
            return;
        }
        String field = key.getFirstKey();
        if (field.equals("_ts")) {
            return;
        }
        if (!ttlOnCustomPath) {
            report(context, CosmosRuRule.TTL_PATH, "TTL index " + name + " on " + field
                    + ": only _ts without the EnableTtlOnCustomPath capability");
            return;
        }
        String existing = ttlFields.putIfAbsent(context.namespace(), field);
        if (existing != null && !existing.equals(field)) {
            report(context, CosmosRuRule.TTL_PATH, "TTL index " + name + " on " + field
                    + ": the collection already has a TTL on " + existing);
        }
    }

    private void aggregate(Context context, BsonValue pipeline) {
        if (pipeline == null || !pipeline.isArray()) {
            return;
        }
        for (BsonValue stage : pipeline.asArray()) {
            if (stage.isDocument() && stage.asDocument().containsKey("$sort")) {
                sort(context, stage.asDocument().get("$sort"));
            }
        }
    }

    private void findAndModify(Context context, BsonDocument body) {
        BsonValue sort = body.get("sort");
        if (sort != null && sort.isDocument() && sort.asDocument().size() > 1) {
            report(context, CosmosRuRule.FIND_AND_MODIFY_MULTI_FIELD_SORT, "sort " + sort.asDocument().toJson());
        } else {
            sort(context, sort);
        }
        BsonValue update = body.get("update");
        if (update != null && update.isDocument()) {
            document(context, update.asDocument(), "update");
        }
        if (isTrue(body.get("upsert"))) {
            populated.add(context.namespace());
        }
    }

    private void insert(Context context, BsonDocument body) {
        unordered(context, body);
        BsonValue documents = body.get("documents");
        if (documents != null && documents.isArray()) {
            for (BsonValue document : documents.asArray()) {
                if (document.isDocument()) {
                    document(context, document.asDocument(), "document");
                }
            }
        }
        populated.add(context.namespace());
    }

    private void update(Context context, BsonDocument body) {
        unordered(context, body);
        BsonValue statements = body.get("updates");
        if (statements == null || !statements.isArray()) {
            return;
        }
        for (BsonValue statement : statements.asArray()) {
            if (!statement.isDocument()) {
                continue;
            }
            BsonValue update = statement.asDocument().get("u");
            if (update != null && update.isDocument()) {
                document(context, update.asDocument(), "update");
            }
            if (isTrue(statement.asDocument().get("upsert"))) {
                populated.add(context.namespace());
            }
        }
    }

    private void unordered(Context context, BsonDocument body) {
        BsonValue ordered = body.get("ordered");
        if (retryWrites && ordered != null && ordered.isBoolean() && !ordered.asBoolean().getValue()) {
            report(context, CosmosRuRule.UNORDERED_BULK_WITH_RETRYABLE_WRITES, "ordered: false while retryWrites is on");
        }
    }

    /** A document written (or an update document applied): its size and its nesting. */
    private void document(Context context, BsonDocument document, String what) {
        int bytes = new RawBsonDocument(document, new BsonDocumentCodec()).getByteBuffer().remaining();
        if (bytes > MAX_DOCUMENT_BYTES) {
            report(context, CosmosRuRule.DOCUMENT_TOO_LARGE, what + " of " + bytes + " bytes");
        }
        // An update's operators ($set: {...}) are one level the stored document does not have.
        boolean operators = !document.isEmpty() && document.getFirstKey().startsWith("$");
        int depth = nesting(document, 0) - (operators ? 1 : 0);
        if (depth > MAX_NESTING) {
            report(context, CosmosRuRule.NESTING_TOO_DEEP, what + " nested more than " + MAX_NESTING + " levels");
        }
    }

    /** Levels of embedded documents and arrays below this one, counted up to one past the limit. */
    static int nesting(BsonValue value, int depth) {
        if (depth > MAX_NESTING + 1) {
            return depth;
        }
        int deepest = depth;
        if (value.isDocument()) {
            for (BsonValue child : value.asDocument().values()) {
                if (child.isDocument() || child.isArray()) {
                    deepest = Math.max(deepest, nesting(child, depth + 1));
                }
            }
        } else if (value.isArray()) {
            for (BsonValue child : value.asArray()) {
                if (child.isDocument() || child.isArray()) {
                    deepest = Math.max(deepest, nesting(child, depth + 1));
                }
            }
        }
        return deepest;
    }

    private void sort(Context context, BsonValue sort) {
        if (sort == null || !sort.isDocument() || sort.asDocument().isEmpty()) {
            return;
        }
        BsonDocument order = sort.asDocument();
        if (matches(ID_INDEX, order)) {
            return;
        }
        for (BsonDocument key : indexes.getOrDefault(context.namespace(), List.of())) {
            if (matches(key, order)) {
                return;
            }
        }
        report(context, CosmosRuRule.SORT_WITHOUT_INDEX, "sort " + order.toJson() + " matches no index of "
                + context.namespace() + " " + indexes.getOrDefault(context.namespace(), List.of()));
    }

    /** The index serves the sort: the same fields in the same order, every direction the same or every one reversed. */
    static boolean matches(BsonDocument key, BsonDocument sort) {
        if (key.size() != sort.size()) {
            return false;
        }
        List<String> keyFields = new ArrayList<>(key.keySet());
        List<String> sortFields = new ArrayList<>(sort.keySet());
        if (!keyFields.equals(sortFields)) {
            return false;
        }
        boolean same = true;
        boolean reversed = true;
        for (String field : keyFields) {
            int keyDirection = direction(key.get(field));
            int sortDirection = direction(sort.get(field));
            if (keyDirection == 0 || sortDirection == 0) {
                return false;
            }
            same &= keyDirection == sortDirection;
            reversed &= keyDirection == -sortDirection;
        }
        return same || reversed;
    }

    private static int direction(BsonValue value) {
        if (value == null || !value.isNumber()) {
            return 0;
        }
        double number = value.asNumber().doubleValue();
        return number > 0 ? 1 : number < 0 ? -1 : 0;
    }

    private static boolean isTrue(BsonValue value) {
        if (value == null) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean().getValue();
        }
        return value.isNumber() && value.asNumber().doubleValue() != 0;
    }

    private void report(Context context, CosmosRuRule rule, String detail) {
        Violation violation = new Violation(context.database(), context.collection(), context.command(), rule, detail);
        if (violations.size() < KEPT) {
            violations.add(violation);
        }
        LOG.log(Level.SEVERE, "Cosmos RU profile: {0}", violation);
    }
}
