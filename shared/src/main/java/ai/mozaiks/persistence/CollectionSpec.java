package ai.mozaiks.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One declared collection and its indexes. {@code retired} names indexes an earlier release declared and this one
 * removes (the ensure step drops them when present); any other index not declared is reported, never dropped.
 */
public record CollectionSpec(String name, List<IndexSpec> indexes, List<String> retired) {
    public CollectionSpec {
        Objects.requireNonNull(name, "name");
        indexes = List.copyOf(indexes);
        retired = List.copyOf(retired);
    }

    public static CollectionSpec of(String name, IndexSpec... indexes) {
        return new CollectionSpec(name, List.of(indexes), List.of());
    }

    /** This collection with one more index declared. */
    public CollectionSpec with(IndexSpec index) {
        List<IndexSpec> all = new ArrayList<>(indexes);
        all.add(index);
        return new CollectionSpec(name, all, retired);
    }

    /** This collection, dropping an index an earlier release declared. */
    public CollectionSpec retiring(String indexName) {
        List<String> all = new ArrayList<>(retired);
        all.add(indexName);
        return new CollectionSpec(name, indexes, all);
    }
}
