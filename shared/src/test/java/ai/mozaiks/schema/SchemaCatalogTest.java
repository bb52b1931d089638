package ai.mozaiks.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.persistence.CollectionSpec;
import ai.mozaiks.persistence.IndexSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The catalog's own rules, so an index added later is held to them (shapes every target accepts). */
class SchemaCatalogTest {

    @Test
    void everyUniqueIndexOfTenantDataLeadsWithAppId() {
        List<String> offending = new ArrayList<>();
        for (CollectionSpec collection : SchemaCatalog.runtime()) {
            for (IndexSpec index : collection.indexes()) {
                if (index.unique() && !"app_id".equals(index.keyList().get(0).getKey())) {
                    offending.add(collection.name() + "." + index.name());
                }
            }
        }
        assertEquals(List.of(), offending, "unique runtime indexes must lead with app_id (the shard key on Cosmos RU)");
    }

    @Test
    void tenantDataIsShardedOnAppIdAndTheControlPlaneIsNot() {
        assertEquals(List.of(), SchemaCatalog.runtime().stream().filter(spec -> !"app_id".equals(spec.shardKey()))
                .map(CollectionSpec::name).toList(), "runtime collections shard on app_id");
        assertEquals(List.of(), SchemaCatalog.control().stream().filter(CollectionSpec::isSharded).map(CollectionSpec::name).toList(),
                "control collections are unsharded (see SchemaCatalog)");
    }

    @Test
    void aShardedCollectionRefusesAUniqueIndexNotLedByItsShardKey() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> CollectionSpec.sharded("events", "app_id",
                IndexSpec.unique("chat_seq", com.mongodb.client.model.Indexes.ascending("chat_id", "app_id", "seq"))));
        assertTrue(refused.getMessage().contains("events.chat_seq"), refused.getMessage());
        CollectionSpec.sharded("events", "app_id", IndexSpec.unique("app_chat_seq",
                com.mongodb.client.model.Indexes.ascending("app_id", "chat_id", "seq")),
                IndexSpec.index("chat", com.mongodb.client.model.Indexes.ascending("chat_id")));
        CollectionSpec.of("issuers", IndexSpec.unique("issuer", com.mongodb.client.model.Indexes.ascending("issuer")));
    }

    @Test
    void namesAreUniqueAndTtlIndexesHaveOneField() {
        List<String> problems = new ArrayList<>();
        Set<String> collections = new HashSet<>();
        for (CollectionSpec collection : concat(SchemaCatalog.control(), SchemaCatalog.runtime())) {
            if (!collections.add(collection.name())) {
                problems.add("collection declared twice: " + collection.name());
            }
            Set<String> names = new HashSet<>();
            for (IndexSpec index : collection.indexes()) {
                if (!names.add(index.name())) {
                    problems.add("index declared twice: " + collection.name() + "." + index.name());
                }
                if (index.expireAfter() != null && (index.keyList().size() != 1 || index.unique())) {
                    problems.add("a TTL index has one field and is not unique: " + collection.name() + "." + index.name());
                }
                if (collection.retired().contains(index.name())) {
                    problems.add("declared and retired: " + collection.name() + "." + index.name());
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aChangedIndexIsToldApartFromTheDeclaration() {
        IndexSpec declared = IndexSpec.unique("app_chat", com.mongodb.client.model.Indexes.ascending("app_id", "chat_id"));
        org.bson.Document same = new org.bson.Document("name", "app_chat").append("unique", true)
                .append("key", new org.bson.Document("app_id", 1.0).append("chat_id", 1L));
        assertEquals(List.of(), declared.differences(same));
        org.bson.Document reordered = new org.bson.Document(same).append("key", new org.bson.Document("chat_id", 1).append("app_id", 1));
        assertEquals(1, declared.differences(reordered).size());
        org.bson.Document sparse = new org.bson.Document(same).append("sparse", true).append("unique", false);
        assertEquals(2, declared.differences(sparse).size(), declared.differences(sparse).toString());
    }

    private static List<CollectionSpec> concat(List<CollectionSpec> first, List<CollectionSpec> second) {
        List<CollectionSpec> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
