package ai.mozaiks.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.ServerAddress;
import com.mongodb.connection.ClusterId;
import com.mongodb.connection.ConnectionDescription;
import com.mongodb.connection.ServerId;
import com.mongodb.event.CommandStartedEvent;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;

/** Each rule of the Cosmos RU profile, broken on purpose by the command shape the driver sends. */
@BreaksStrictProfile
class CosmosRuProfileTest {
    private static final ConnectionDescription CONNECTION =
            new ConnectionDescription(new ServerId(new ClusterId(), new ServerAddress()));

    private final CosmosRuProfile profile = new CosmosRuProfile(false, true);

    @Test
    void aSortMustMatchAnIndexExactlyInOrderAndDirection() {
        send(profile, "createIndexes", "{createIndexes: 'chats', indexes: [{key: {app_id: 1, user_id: 1, updated_at: -1}, name: 'recent'}]}");

        send(profile, "find", "{find: 'chats', filter: {app_id: 'a'}, sort: {app_id: 1, user_id: 1, updated_at: -1}}");
        send(profile, "find", "{find: 'chats', filter: {app_id: 'a'}, sort: {app_id: -1, user_id: -1, updated_at: 1}}");
        send(profile, "find", "{find: 'chats', filter: {app_id: 'a'}, sort: {_id: -1}}");
        assertEquals(List.of(), profile.violations());

        send(profile, "find", "{find: 'chats', filter: {app_id: 'a'}, sort: {updated_at: -1}}");
        send(profile, "find", "{find: 'chats', filter: {app_id: 'a'}, sort: {app_id: 1, user_id: 1, updated_at: 1}}");
        send(profile, "find", "{find: 'chats', filter: {app_id: 'a'}, sort: {user_id: 1, app_id: 1, updated_at: -1}}");
        send(profile, "find", "{find: 'events', filter: {app_id: 'a'}, sort: {app_id: 1, user_id: 1, updated_at: -1}}");
        send(profile, "aggregate", "{aggregate: 'chats', pipeline: [{$match: {app_id: 'a'}}, {$sort: {updated_at: 1}}], cursor: {}}");

        assertEquals(5, profile.violations().size());
        assertTrue(profile.violations().stream().allMatch(violation -> violation.rule() == CosmosRuRule.SORT_WITHOUT_INDEX));
        assertEquals("aggregate", profile.violations().get(4).command());

        profile.clear();
        send(profile, "createIndexes", "{createIndexes: 'members', indexes: [{key: {user_id: 1, tenant_id: 1}, name: 'user_tenants'},"
                + " {key: {tenant_id: 1, user_id: 1}, name: 'tenant_members'}]}");
        send(profile, "find", "{find: 'members', filter: {tenant_id: 't'}, sort: {tenant_id: 1, user_id: 1}}");
        send(profile, "find", "{find: 'members', filter: {user_id: 'u'}, sort: {user_id: 1, tenant_id: 1}}");
        assertEquals(List.of(), profile.violations());
    }

    @Test
    void findAndModifySortsOnOneFieldAtMost() {
        send(profile, "createIndexes", "{createIndexes: 'slots', indexes: [{key: {app_id: 1, at: 1}, name: 'app_at'}]}");

        send(profile, "findAndModify", "{findAndModify: 'slots', query: {app_id: 'a'}, sort: {_id: 1}, update: {$set: {x: 1}}}");
        assertEquals(List.of(), profile.violations());

        send(profile, "findAndModify", "{findAndModify: 'slots', query: {app_id: 'a'}, sort: {app_id: 1, at: 1}, update: {$set: {x: 1}}}");
        assertEquals(List.of(CosmosRuRule.FIND_AND_MODIFY_MULTI_FIELD_SORT), rules(profile));
    }

    @Test
    void sparseAndPartialIndexesAreRefused() {
        send(profile, "createIndexes", "{createIndexes: 'apps', indexes: [{key: {issuer: 1}, name: 'issuer', unique: true, sparse: true},"
                + " {key: {audience: 1}, name: 'audience', unique: true, partialFilterExpression: {audience: {$exists: true}}}]}");

        assertEquals(List.of(CosmosRuRule.SPARSE_INDEX, CosmosRuRule.PARTIAL_INDEX), rules(profile));
    }

    @Test
    void ttlIsOnlyOnTsWithoutTheCustomPathCapability() {
        send(profile, "createIndexes", "{createIndexes: 'keys', indexes: [{key: {_ts: 1}, name: 'ts', expireAfterSeconds: 60}]}");
        assertEquals(List.of(), profile.violations());

        send(profile, "createIndexes", "{createIndexes: 'keys', indexes: [{key: {created_at: 1}, name: 'expire', expireAfterSeconds: 60}]}");
        assertEquals(List.of(CosmosRuRule.TTL_PATH), rules(profile));
    }

    @Test
    void withTheCustomPathCapabilityOneFieldPerCollectionHasATtl() {
        CosmosRuProfile customTtl = new CosmosRuProfile(true, true);
        send(customTtl, "createIndexes", "{createIndexes: 'keys', indexes: [{key: {created_at: 1}, name: 'expire', expireAfterSeconds: 60}]}");
        send(customTtl, "createIndexes", "{createIndexes: 'keys', indexes: [{key: {created_at: 1}, name: 'expire', expireAfterSeconds: 60}]}");
        send(customTtl, "createIndexes", "{createIndexes: 'other', indexes: [{key: {expires_at: 1}, name: 'expire', expireAfterSeconds: 0}]}");
        assertEquals(List.of(), customTtl.violations());

        send(customTtl, "createIndexes", "{createIndexes: 'keys', indexes: [{key: {updated_at: 1}, name: 'expire2', expireAfterSeconds: 60}]}");
        send(customTtl, "createIndexes", "{createIndexes: 'more', indexes: [{key: {a: 1, b: 1}, name: 'compound', expireAfterSeconds: 60}]}");
        assertEquals(List.of(CosmosRuRule.TTL_PATH, CosmosRuRule.TTL_PATH), rules(customTtl));
    }

    @Test
    void aUniqueIndexIsDeclaredOnlyWhileTheCollectionIsEmpty() {
        send(profile, "createIndexes", "{createIndexes: 'apps', indexes: [{key: {app_id: 1, name: 1}, name: 'names', unique: true}]}");
        send(profile, "insert", "{insert: 'apps', documents: [{_id: 1, app_id: 'a'}]}");
        send(profile, "createIndexes", "{createIndexes: 'apps', indexes: [{key: {app_id: 1}, name: 'plain'}]}");
        send(profile, "update", "{update: 'usage', updates: [{q: {_id: 'x'}, u: {$inc: {n: 1}}, upsert: true}]}");
        send(profile, "findAndModify", "{findAndModify: 'slots', query: {_id: 'x'}, update: {$inc: {n: 1}}, upsert: true}");
        assertEquals(List.of(), profile.violations());

        send(profile, "createIndexes", "{createIndexes: 'apps', indexes: [{key: {app_id: 1, name: 1}, name: 'names', unique: true}]}");
        send(profile, "createIndexes", "{createIndexes: 'usage', indexes: [{key: {app_id: 1}, name: 'app', unique: true}]}");
        send(profile, "createIndexes", "{createIndexes: 'slots', indexes: [{key: {app_id: 1}, name: 'app', unique: true}]}");
        assertEquals(List.of(CosmosRuRule.UNIQUE_INDEX_ON_POPULATED_COLLECTION, CosmosRuRule.UNIQUE_INDEX_ON_POPULATED_COLLECTION,
                CosmosRuRule.UNIQUE_INDEX_ON_POPULATED_COLLECTION), rules(profile));
    }

    @Test
    void aUniqueIndexOfAShardedCollectionLeadsWithItsShardKey() {
        send(profile, "customAction", "{customAction: 'CreateCollection', collection: 'events', shardKey: 'app_id', indexes: ["
                + "{key: {_id: 1}, name: '_id_'}, {key: {app_id: 1, chat_id: 1, seq: 1}, name: 'app_chat_seq', unique: true},"
                + "{key: {chat_id: 1}, name: 'by_chat'}]}");
        send(profile, "createIndexes", "{createIndexes: 'events', indexes: [{key: {app_id: 1, call: 1}, name: 'app_call', unique: true}]}");
        send(profile, "createIndexes", "{createIndexes: 'unsharded', indexes: [{key: {issuer: 1}, name: 'issuer', unique: true}]}");
        // The indexes CreateCollection declared serve sorts as createIndexes' do.
        send(profile, "find", "{find: 'events', filter: {app_id: 'a'}, sort: {app_id: 1, chat_id: 1, seq: 1}}");
        send(profile, "find", "{find: 'events', filter: {app_id: 'a'}, sort: {chat_id: -1}}");
        assertEquals(List.of(), profile.violations());

        send(profile, "customAction", "{customAction: 'CreateCollection', collection: 'steps', shardKey: 'app_id', indexes: ["
                + "{key: {_id: 1}, name: '_id_'}, {key: {chat_id: 1, app_id: 1}, name: 'chat_app', unique: true}]}");
        send(profile, "createIndexes", "{createIndexes: 'events', indexes: [{key: {chat_id: 1}, name: 'chat', unique: true}]}");
        assertEquals(List.of(CosmosRuRule.UNIQUE_INDEX_NOT_LED_BY_SHARD_KEY, CosmosRuRule.UNIQUE_INDEX_NOT_LED_BY_SHARD_KEY), rules(profile));
        assertEquals("steps", profile.violations().get(0).collection());
        assertEquals("CreateCollection", profile.violations().get(0).command());
    }

    @Test
    void documentsAndUpdatesOverTwoMegabytesAreRefused() {
        BsonDocument small = new BsonDocument("payload", new BsonBinary(new byte[CosmosRuProfile.MAX_DOCUMENT_BYTES - 100]));
        BsonDocument large = new BsonDocument("payload", new BsonBinary(new byte[CosmosRuProfile.MAX_DOCUMENT_BYTES]));
        send(profile, "insert", new BsonDocument("insert", string("chats")).append("documents", new BsonArray(List.of(small))));
        assertEquals(List.of(), profile.violations());

        send(profile, "insert", new BsonDocument("insert", string("chats")).append("documents", new BsonArray(List.of(large))));
        send(profile, "update", new BsonDocument("update", string("chats")).append("updates", new BsonArray(List.of(
                new BsonDocument("q", new BsonDocument()).append("u", new BsonDocument("$set", large))))));
        send(profile, "findAndModify", new BsonDocument("findAndModify", string("chats")).append("query", new BsonDocument())
                .append("update", new BsonDocument("$set", large)));
        assertEquals(List.of(CosmosRuRule.DOCUMENT_TOO_LARGE, CosmosRuRule.DOCUMENT_TOO_LARGE, CosmosRuRule.DOCUMENT_TOO_LARGE),
                rules(profile));
    }

    @Test
    void nestingBeyond128LevelsIsRefused() {
        send(profile, "insert", new BsonDocument("insert", string("chats")).append("documents", new BsonArray(List.of(nested(128)))));
        send(profile, "update", new BsonDocument("update", string("chats")).append("updates", new BsonArray(List.of(
                new BsonDocument("q", new BsonDocument()).append("u", new BsonDocument("$set", nested(128)))))));
        assertEquals(List.of(), profile.violations());

        send(profile, "insert", new BsonDocument("insert", string("chats")).append("documents", new BsonArray(List.of(nested(129)))));
        send(profile, "findAndModify", new BsonDocument("findAndModify", string("chats")).append("query", new BsonDocument())
                .append("update", new BsonDocument("$set", nested(129))));
        assertEquals(List.of(CosmosRuRule.NESTING_TOO_DEEP, CosmosRuRule.NESTING_TOO_DEEP), rules(profile));
    }

    @Test
    void unorderedBulkWritesAreRefusedWhileRetryableWritesAreOn() {
        send(profile, "insert", "{insert: 'chats', ordered: true, documents: [{_id: 1}]}");
        send(profile, "insert", "{insert: 'chats', documents: [{_id: 2}]}");
        CosmosRuProfile noRetries = new CosmosRuProfile(false, false);
        send(noRetries, "insert", "{insert: 'chats', ordered: false, documents: [{_id: 3}]}");
        assertEquals(List.of(), profile.violations());
        assertEquals(List.of(), noRetries.violations());

        send(profile, "insert", "{insert: 'chats', ordered: false, documents: [{_id: 4}]}");
        send(profile, "update", "{update: 'chats', ordered: false, updates: [{q: {_id: 4}, u: {_id: 4}, upsert: true}]}");
        send(profile, "delete", "{delete: 'chats', ordered: false, deletes: [{q: {_id: 4}, limit: 1}]}");
        assertEquals(List.of(CosmosRuRule.UNORDERED_BULK_WITH_RETRYABLE_WRITES, CosmosRuRule.UNORDERED_BULK_WITH_RETRYABLE_WRITES,
                CosmosRuRule.UNORDERED_BULK_WITH_RETRYABLE_WRITES), rules(profile));
    }

    /** {a: {a: … {}}} with the given number of embedded levels. */
    private static BsonDocument nested(int levels) {
        BsonDocument inner = new BsonDocument();
        for (int level = 0; level < levels; level++) {
            inner = new BsonDocument("a", inner);
        }
        return inner;
    }

    private static BsonValue string(String value) {
        return new org.bson.BsonString(value);
    }

    private static List<CosmosRuRule> rules(CosmosRuProfile profile) {
        return profile.violations().stream().map(CosmosRuProfile.Violation::rule).toList();
    }

    private static void send(CosmosRuProfile profile, String command, String json) {
        send(profile, command, BsonDocument.parse(json));
    }

    private static void send(CosmosRuProfile profile, String command, BsonDocument body) {
        profile.commandStarted(new CommandStartedEvent(null, 1, 1, CONNECTION, "db", command, body.append("$db", string("db"))));
    }
}
