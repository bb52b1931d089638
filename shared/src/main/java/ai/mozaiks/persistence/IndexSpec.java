package ai.mozaiks.persistence;

import com.mongodb.client.model.IndexOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * One declared index: its name, its keys in order, and whether it is unique or expires documents. Sparse and partial
 * indexes cannot be declared: Cosmos DB's RU API ignores sparse (so a unique sparse index collides on the missing
 * value) and takes partial only on unique indexes; conditional uniqueness gets a collection of its own instead.
 */
public record IndexSpec(String name, Bson keys, boolean unique, Duration expireAfter) {
    public IndexSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keys, "keys");
    }

    public static IndexSpec index(String name, Bson keys) {
        return new IndexSpec(name, keys, false, null);
    }

    public static IndexSpec unique(String name, Bson keys) {
        return new IndexSpec(name, keys, true, null);
    }

    /** Removes documents {@code after} the date in the single {@code field}. */
    public static IndexSpec expiring(String name, String field, Duration after) {
        return new IndexSpec(name, new Document(field, 1), false, after);
    }

    public IndexOptions options() {
        IndexOptions options = new IndexOptions().name(name).unique(unique);
        return expireAfter == null ? options : options.expireAfter(expireAfter.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The index as the {@code indexes} of a createIndexes (or Cosmos's CreateCollection) command lists it. */
    public Document definition() {
        Document definition = new Document("key", keys.toBsonDocument()).append("name", name);
        if (unique) {
            definition.append("unique", true);
        }
        if (expireAfter != null) {
            definition.append("expireAfterSeconds", expireAfter.toSeconds());
        }
        return definition;
    }

    /** The keys in order, each with its direction (1, -1) or kind ("text", "2dsphere"). */
    public List<Map.Entry<String, Object>> keyList() {
        return keyList(keys.toBsonDocument());
    }

    /**
     * What differs between this declaration and an index as {@code listIndexes} describes it; empty when they match.
     */
    public List<String> differences(Document existing) {
        List<String> differences = new ArrayList<>();
        Object key = existing.get("key");
        BsonDocument existingKeys = key instanceof Bson bson ? bson.toBsonDocument() : new BsonDocument();
        if (!keyList().equals(keyList(existingKeys))) {
            differences.add("keys " + existingKeys.toJson() + ", declared " + keys.toBsonDocument().toJson());
        }
        if (unique != existing.getBoolean("unique", false)) {
            differences.add(unique ? "not unique, declared unique" : "unique, declared not unique");
        }
        Object ttl = existing.get("expireAfterSeconds");
        Long existingTtl = ttl instanceof Number number ? number.longValue() : null;
        Long declaredTtl = expireAfter == null ? null : expireAfter.toSeconds();
        if (!Objects.equals(existingTtl, declaredTtl)) {
            differences.add("expireAfterSeconds " + existingTtl + ", declared " + declaredTtl);
        }
        if (existing.getBoolean("sparse", false)) {
            differences.add("sparse, declared not sparse");
        }
        if (existing.get("partialFilterExpression") != null) {
            differences.add("partial, declared not partial");
        }
        return differences;
    }

    private static List<Map.Entry<String, Object>> keyList(BsonDocument keys) {
        List<Map.Entry<String, Object>> list = new ArrayList<>();
        for (Map.Entry<String, BsonValue> entry : keys.entrySet()) {
            BsonValue value = entry.getValue();
            // Servers answer 1 as an int, a long or a double: the direction is what counts.
            Object normalized = value.isNumber() ? (Object) (int) Math.signum(value.asNumber().doubleValue())
                    : value.isString() ? value.asString().getValue() : value.toString();
            list.add(Map.entry(entry.getKey(), normalized));
        }
        return list;
    }
}
