package ai.mozaiks.persistence;

import static com.mongodb.client.model.Indexes.ascending;
import static com.mongodb.client.model.Indexes.compoundIndex;
import static com.mongodb.client.model.Indexes.descending;

import static ai.mozaiks.persistence.IndexSpec.expiring;

import java.time.Duration;
import java.util.List;

/**
 * The collections that hold chat data, each with the indexes that back its query shapes: the runtime part of the
 * schema catalog, created by the deploy-time ensure step ({@link RuntimeSchema}), never by a request.
 * Every index leads with {@code app_id}: queries are always app-scoped, so they always use one. The one exception is
 * a TTL index, which the database requires on a single date field; it serves no query. On Cosmos DB RU each collection
 * is sharded on {@code app_id} ({@link #SHARD_KEY}): every read and write names one app, so each touches one partition,
 * and no tenant shares another's 20 GB / 10,000 RU/s partition limits.
 */
public enum RuntimeCollection {
    CHAT_SESSIONS("chat_sessions", List.of(
            index("app_user_recent", false, compoundIndex(ascending("app_id", "user_id"), descending("updated_at"))),
            index("app_workflow_status_recent", false,
                    compoundIndex(ascending("app_id", "workflow_name", "status"), descending("updated_at"))),
            index("app_chat", true, ascending("app_id", "chat_id")),
            // The reaper's and reconciler's sweeps (running or waiting chats unchanged since).
            index("app_status_updated", false, compoundIndex(ascending("app_id", "status"), ascending("updated_at"))),
            // A user's open chats, counted at every session start (open_chats_per_user).
            index("app_user_status", false, ascending("app_id", "user_id", "status")),
            // Chats waiting for a run slot, oldest first (promotion).
            index("app_status_queued", false, ascending("app_id", "status", "queued_at")))),
    CHAT_EVENTS("chat_events", List.of(
            index("app_chat_seq", true, ascending("app_id", "chat_id", "seq")))),
    /** A step's tool results, recorded before the step commits so a redelivery never calls a tool twice. */
    TOOL_RESULTS("tool_results", List.of(
            index("app_chat_step_call", true, ascending("app_id", "chat_id", "step_seq", "call_id")))),
    /**
     * A step's model responses ({@code call}: {@code select} for a speaker selection, {@code reply} for the agent's
     * reply), recorded before anything acts on them so a redelivered step reuses them instead of asking the model again.
     * Needed only until the step commits; the TTL index drops them a week after they were recorded.
     */
    STEP_REPLIES("step_replies", List.of(
            index("app_chat_step_call", true, ascending("app_id", "chat_id", "step_seq", "call")),
            expiring("expire", "recorded_at", Duration.ofDays(7)))),
    /**
     * Model usage per app and minute: {@code {_id: "<app_id>:<yyyy-MM-ddTHH:mm>", app_id, minute, prompt_tokens,
     * completion_tokens, total_tokens, cost_usd, calls}}, one upsert per step that called a model.
     */
    USAGE_MINUTES("usage_minutes", List.of(
            index("app_minute", false, ascending("app_id", "minute")))),
    /**
     * Model tokens per app and calendar month (UTC), a running counter: {@code {_id: "<app_id>:<yyyy-MM>", app_id, month,
     * total_tokens}}, incremented with each step's minute bucket and read by {@code _id} for the monthly budget.
     */
    USAGE_MONTHS("usage_months", List.of(
            index("app_month", false, ascending("app_id", "month")))),
    /**
     * Fan-outs of child workflows ({@code _id} the run id): the parent, the merge policy and each child's state. Waiting
     * children of running runs are started oldest run first; the reconciler walks running runs, oldest first.
     */
    PACK_RUNS("pack_runs", List.of(
            index("app_status_created", false, ascending("app_id", "status", "created_at"))));

    /** The shard key of every runtime collection on Cosmos DB RU. */
    public static final String SHARD_KEY = "app_id";

    private final String collectionName;
    private final List<IndexSpec> indexes;

    RuntimeCollection(String collectionName, List<IndexSpec> indexes) {
        this.collectionName = collectionName;
        this.indexes = indexes;
    }

    public String collectionName() {
        return collectionName;
    }

    public List<IndexSpec> indexes() {
        return indexes;
    }

    public static boolean isRuntime(String collectionName) {
        for (RuntimeCollection collection : values()) {
            if (collection.collectionName.equals(collectionName)) {
                return true;
            }
        }
        return false;
    }

    private static IndexSpec index(String name, boolean unique, org.bson.conversions.Bson keys) {
        return new IndexSpec(name, keys, unique, null);
    }

    /** This collection's declaration for the ensure step. */
    public CollectionSpec spec() {
        return new CollectionSpec(collectionName, SHARD_KEY, indexes, List.of());
    }

    /** Every runtime collection's declaration, in the order they are created. */
    public static List<CollectionSpec> specs() {
        return java.util.Arrays.stream(values()).map(RuntimeCollection::spec).toList();
    }
}
