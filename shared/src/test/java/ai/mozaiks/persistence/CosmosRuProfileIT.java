package ai.mozaiks.persistence;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.CONTROL_DB;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static ai.mozaiks.persistence.EmbeddedMongoFixture.awaitAll;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Updates.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.bson.types.Binary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The profile as the suite runs it: switched on by the fixture's settings and fed by the real driver, which the
 * embedded server obeys where Cosmos RU would refuse.
 */
@BreaksStrictProfile
class CosmosRuProfileIT {
    private EmbeddedMongoFixture fixture;
    private MongoCollection<Document> things;

    @BeforeEach
    void start() {
        // Connections as on MongoDB (retryable writes on), so that an unordered bulk write is one RU would refuse.
        fixture = EmbeddedMongoFixture.start(Map.of("MONGODB_FLAVOR", "mongodb"));
        things = fixture.connections().controlDatabase().getCollection("things");
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void theSuiteRunsTheProfileWithRetryableWritesOnAndCustomPathTtl() {
        assertNotNull(fixture.strictProfile());
        await(things.createIndexes(List.of(new IndexModel(Indexes.ascending("expires_at"),
                new IndexOptions().name("expire").expireAfter(0L, TimeUnit.SECONDS)))));
        assertEquals(List.of(), fixture.strictProfile().violations());
    }

    @Test
    void eachRuleBrokenThroughTheDriverIsReported() {
        await(things.createIndexes(List.of(new IndexModel(Indexes.ascending("app_id", "name"), new IndexOptions().name("app_names")))));
        await(things.insertMany(List.of(new Document("_id", 1).append("app_id", "a"), new Document("_id", 2).append("app_id", "a")),
                new InsertManyOptions().ordered(false)));
        awaitAll(things.find(eq("app_id", "a")).sort(Sorts.ascending("name")));
        awaitAll(things.aggregate(List.of(Aggregates.match(eq("app_id", "a")), Aggregates.sort(Sorts.descending("name")))));
        await(things.findOneAndUpdate(eq("app_id", "a"), set("seen", true),
                new FindOneAndUpdateOptions().sort(Sorts.ascending("app_id", "name"))));
        await(things.createIndexes(List.of(
                new IndexModel(Indexes.ascending("issuer"), new IndexOptions().name("issuer").unique(true).sparse(true)),
                new IndexModel(Indexes.ascending("updated_at"), new IndexOptions().name("expire_updated").expireAfter(60L, TimeUnit.SECONDS)),
                new IndexModel(Indexes.ascending("expires_at"), new IndexOptions().name("expire").expireAfter(0L, TimeUnit.SECONDS)))));
        await(things.insertOne(new Document("_id", 3).append("app_id", "a").append("blob", new Binary(new byte[2 * 1024 * 1024]))));

        assertEquals(List.of(
                        CosmosRuRule.UNORDERED_BULK_WITH_RETRYABLE_WRITES,
                        CosmosRuRule.SORT_WITHOUT_INDEX,
                        CosmosRuRule.SORT_WITHOUT_INDEX,
                        CosmosRuRule.FIND_AND_MODIFY_MULTI_FIELD_SORT,
                        CosmosRuRule.SPARSE_INDEX,
                        CosmosRuRule.UNIQUE_INDEX_ON_POPULATED_COLLECTION,
                        CosmosRuRule.TTL_PATH,
                        CosmosRuRule.DOCUMENT_TOO_LARGE),
                fixture.strictProfile().violations().stream().map(CosmosRuProfile.Violation::rule).toList());
        assertEquals(CONTROL_DB, fixture.strictProfile().violations().get(0).database());
    }

    /**
     * Through the driver and the embedded server's Cosmos commands: a collection created sharded (CreateCollection) or
     * found sharded (GetCollection's answer, as a process started on a deployed database learns it) holds its unique
     * indexes to its shard key.
     */
    @Test
    void aUniqueIndexNotLedByTheShardKeyOfASeenShardedCollectionIsReported() {
        com.mongodb.reactivestreams.client.MongoDatabase control = fixture.connections().controlDatabase();
        await(control.runCommand(new Document("customAction", "CreateCollection").append("collection", "sharded")
                .append("shardKey", "app_id").append("indexes", List.of(new Document("key", new Document("_id", 1)).append("name", "_id_"),
                        new Document("key", new Document("app_id", 1).append("name", 1)).append("name", "app_names").append("unique", true)))));
        assertEquals(List.of(), fixture.strictProfile().violations());
        assertEquals("app_id", fixture.backend().shardKey(CONTROL_DB, "sharded"));

        MongoCollection<Document> sharded = control.getCollection("sharded");
        await(sharded.createIndex(Indexes.ascending("name"), new IndexOptions().name("names").unique(true)));

        CosmosRuProfile later = new CosmosRuProfile(true, false);
        com.mongodb.reactivestreams.client.MongoDatabase seen = fixture.rawClient(later).getDatabase(CONTROL_DB);
        Document described = await(seen.runCommand(new Document("customAction", "GetCollection").append("collection", "sharded")));
        assertEquals(new Document("app_id", "hashed"), described.get("shardKeyDefinition"));
        await(seen.getCollection("sharded").createIndex(Indexes.ascending("name", "app_id"), new IndexOptions().name("names_apps").unique(true)));

        assertEquals(List.of(CosmosRuRule.UNIQUE_INDEX_NOT_LED_BY_SHARD_KEY),
                fixture.strictProfile().violations().stream().map(CosmosRuProfile.Violation::rule).toList());
        assertEquals(List.of(CosmosRuRule.UNIQUE_INDEX_NOT_LED_BY_SHARD_KEY), later.violations().stream().map(CosmosRuProfile.Violation::rule).toList());
    }
}
