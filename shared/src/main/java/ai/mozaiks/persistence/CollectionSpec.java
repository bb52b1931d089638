package ai.mozaiks.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One declared collection and its indexes. {@code retired} names indexes an earlier release declared and this one
 * removes (the ensure step drops them when present); any other index not declared is reported, never dropped.
 * {@code shardKey} is the field a Cosmos DB RU collection is sharded on (null: unsharded); other targets ignore it.
 * A sharded collection's unique indexes lead with its shard key, as Cosmos RU requires ("The first field in the order
 * should be the shard key", https://learn.microsoft.com/azure/cosmos-db/mongodb/indexing).
 */
public record CollectionSpec(String name, String shardKey, List<IndexSpec> indexes, List<String> retired) {
    public CollectionSpec {
        Objects.requireNonNull(name, "name");
        indexes = List.copyOf(indexes);
        retired = List.copyOf(retired);
        if (shardKey != null) {
            for (IndexSpec index : indexes) {
                if (index.unique() && !shardKey.equals(index.keyList().get(0).getKey())) {
                    throw new IllegalArgumentException("unique index " + name + "." + index.name() + " must lead with the shard key "
                            + shardKey);
                }
            }
        }
    }

    /** An unsharded collection. */
    public static CollectionSpec of(String name, IndexSpec... indexes) {
        return new CollectionSpec(name, null, List.of(indexes), List.of());
    }

    /** A collection sharded on {@code shardKey} where the target shards (Cosmos DB RU). */
    public static CollectionSpec sharded(String name, String shardKey, IndexSpec... indexes) {
        return new CollectionSpec(name, Objects.requireNonNull(shardKey, "shardKey"), List.of(indexes), List.of());
    }

    public boolean isSharded() {
        return shardKey != null;
    }

    /** This collection with one more index declared. */
    public CollectionSpec with(IndexSpec index) {
        List<IndexSpec> all = new ArrayList<>(indexes);
        all.add(index);
        return new CollectionSpec(name, shardKey, all, retired);
    }

    /** This collection, dropping an index an earlier release declared. */
    public CollectionSpec retiring(String indexName) {
        List<String> all = new ArrayList<>(retired);
        all.add(indexName);
        return new CollectionSpec(name, shardKey, indexes, all);
    }
}
