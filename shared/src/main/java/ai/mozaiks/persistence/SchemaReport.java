package ai.mozaiks.persistence;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one ensure (or check) found and did, one entry per collection or index it concerns. Nothing in it is an
 * exception: a refused index is reported, and the other declarations go on.
 */
public record SchemaReport(List<Entry> entries) {
    public enum Outcome {
        /** The collection did not exist and was created (before its indexes, so unique ones are built while empty). */
        COLLECTION_CREATED(false),
        /** The index did not exist and was created. */
        CREATED(false),
        /** A retired index was dropped. */
        DROPPED(false),
        /** Declared but absent, and not created (a check; or the collection is absent). */
        MISSING(true),
        /** Declared but absent, and the server refused to create it (e.g. a TTL index off {@code _ts} on Cosmos RU). */
        REFUSED(true),
        /** Exists under the declared name with other keys or options; left as it is. */
        DIFFERENT(true),
        /** Exists but is not declared; left as it is. */
        EXTRA(true),
        /** The database could not be listed (down, or unknown to this deployment): nothing was checked or made there. */
        UNREACHABLE(true),
        /** Data that the step could not bring in line (e.g. two apps registering one end-user issuer). */
        CONFLICT(true);

        private final boolean drift;

        Outcome(boolean drift) {
            this.drift = drift;
        }

        public boolean drift() {
            return drift;
        }
    }

    /** {@code index} is null for an entry about the collection itself. */
    public record Entry(String database, String collection, String index, Outcome outcome, String detail) {
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", database);
            json.put("collection", collection);
            json.put("index", index);
            json.put("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT));
            json.put("detail", detail);
            return json;
        }
    }

    public SchemaReport {
        entries = List.copyOf(entries);
    }

    public static SchemaReport empty() {
        return new SchemaReport(List.of());
    }

    public SchemaReport plus(SchemaReport other) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new SchemaReport(all);
    }

    /** Every database the step concerned could be listed: a later run would find nothing it has not seen. */
    public boolean reached() {
        return entries.stream().noneMatch(entry -> entry.outcome() == Outcome.UNREACHABLE);
    }

    /**
     * Every declared collection exists: none absent, refused or not reached. Where one is not, the first write to it would
     * make it implicitly (on Cosmos RU unsharded, and without the unique indexes it can only get at creation).
     */
    public boolean collectionsInPlace() {
        return entries.stream().noneMatch(entry -> entry.index() == null && (entry.outcome() == Outcome.MISSING
                || entry.outcome() == Outcome.REFUSED || entry.outcome() == Outcome.UNREACHABLE));
    }

    /** What was created or dropped. */
    public List<Entry> changes() {
        return entries.stream().filter(entry -> !entry.outcome().drift()).toList();
    }

    /** What differs from the declarations after the step. */
    public List<Entry> drift() {
        return entries.stream().filter(entry -> entry.outcome().drift()).toList();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("changes", changes().stream().map(Entry::toJson).toList());
        json.put("drift", drift().stream().map(Entry::toJson).toList());
        return json;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Entry entry : entries) {
            text.append(entry.outcome()).append(' ').append(entry.database()).append('.').append(entry.collection())
                    .append(entry.index() == null ? "" : " index " + entry.index())
                    .append(entry.detail() == null ? "" : ": " + entry.detail()).append('\n');
        }
        return text.length() == 0 ? "no changes, no drift" : text.toString().strip();
    }
}
