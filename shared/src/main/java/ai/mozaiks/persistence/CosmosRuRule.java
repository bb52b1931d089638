package ai.mozaiks.persistence;

/**
 * The command shapes the Cosmos DB for MongoDB RU API refuses (server 4.2 to 7.0), each with the vendor page that
 * says so. {@link CosmosRuProfile} reports a command that uses one.
 */
public enum CosmosRuRule {
    /**
     * A find sort or an aggregate {@code $sort} must be served by an index whose fields are exactly the sort's, in the
     * same order, with every direction the same or every direction reversed; RU answers error 2 (BadValue: "the order by
     * query doesn't have a corresponding composite index") otherwise, for single-field sorts too.
     * Sources: https://learn.microsoft.com/azure/cosmos-db/mongodb/indexing ("compound indexes are required if your
     * query needs the ability to sort on multiple fields at once … the sequence of the paths in the compound index must
     * exactly match the query"), https://learn.microsoft.com/azure/cosmos-db/mongodb/error-codes-solutions (code 2),
     * https://github.com/microsoft/FluidFramework/pull/5530 (a single-field sort needs its own index).
     */
    SORT_WITHOUT_INDEX,
    /**
     * {@code findAndModify} (findOneAndUpdate and friends) sorts on one field at most: "When you use the
     * {@code findOneAndUpdate} operation, sort operations on a single field are supported. Sort operations on multiple
     * fields aren't supported." Source: https://learn.microsoft.com/azure/cosmos-db/mongodb/feature-support-42 (same
     * in feature-support-60 and -70).
     */
    FIND_AND_MODIFY_MULTI_FIELD_SORT,
    /**
     * Sparse indexes: "Sparse: No". Source: https://learn.microsoft.com/azure/cosmos-db/mongodb/feature-support-42;
     * a unique sparse index behaves as non-sparse, so the second missing value collides
     * (https://github.com/danny-avila/LibreChat/issues/1747).
     */
    SPARSE_INDEX,
    /**
     * Partial indexes: "Partial: Supported only for unique indexes"; refused here outright, since the platform's
     * shapes use none (a conditional uniqueness lives in its own collection). Source:
     * https://learn.microsoft.com/azure/cosmos-db/mongodb/feature-support-42
     */
    PARTIAL_INDEX,
    /**
     * TTL: "A TTL index is an index on the {@code _ts} field" unless the account has the {@code EnableTtlOnCustomPath}
     * capability, and then "Only one field in a collection can have a TTL" (one single-field index). Without the
     * capability RU answers "The 'expireAfterSeconds' option is supported on '_ts' field only" (code 2). Sources:
     * https://learn.microsoft.com/azure/cosmos-db/mongodb/indexing,
     * https://github.com/animir/node-rate-limiter-flexible/issues/206
     */
    TTL_PATH,
    /**
     * "Unique indexes need to be created while the collection is empty"; re-declaring one on a populated collection
     * fails ("The unique index cannot be modified"). Sources: https://learn.microsoft.com/azure/cosmos-db/mongodb/indexing,
     * https://github.com/elsa-workflows/elsa-core/issues/4658
     */
    UNIQUE_INDEX_ON_POPULATED_COLLECTION,
    /**
     * A unique index of a sharded collection must lead with the shard key: "all unique indexes on a sharded collection
     * are compound indexes where one of the fields is the shard key. The first field in the order should be the shard
     * key." Judged for collections the profile saw created sharded ({@code CreateCollection} with a {@code shardKey}) or
     * whose {@code GetCollection} answer named one. Source: https://learn.microsoft.com/azure/cosmos-db/mongodb/indexing
     */
    UNIQUE_INDEX_NOT_LED_BY_SHARD_KEY,
    /**
     * An item is at most 2 MB (16 MB only for collections created after {@code EnableMongo16MBDocumentSupport}).
     * Sources: https://learn.microsoft.com/azure/cosmos-db/concepts-limits,
     * https://learn.microsoft.com/azure/cosmos-db/mongodb/feature-support-42
     */
    DOCUMENT_TOO_LARGE,
    /**
     * "Maximum level of nesting for embedded objects / arrays: 128". Source:
     * https://learn.microsoft.com/azure/cosmos-db/concepts-limits
     */
    NESTING_TOO_DEEP,
    /**
     * "Retryable writes doesn't support bulk unordered writes at this time": an insert, update or delete with
     * {@code ordered: false} from a client with retryable writes on. Source:
     * https://learn.microsoft.com/azure/cosmos-db/mongodb/feature-support-42
     */
    UNORDERED_BULK_WITH_RETRYABLE_WRITES
}
