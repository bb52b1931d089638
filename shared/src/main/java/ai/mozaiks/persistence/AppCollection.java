package ai.mozaiks.persistence;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.WriteModel;
import com.mongodb.client.result.UpdateResult;
import com.mongodb.reactivestreams.client.FindPublisher;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A runtime collection seen through one app. Every filter, update, delete and aggregation it
 * sends is narrowed to {@code app_id}, and every document it writes carries it; the raw driver
 * collection never leaves this class, so unscoped access cannot be written against it. An operation the database
 * throttles is tried again here, briefly ({@link DatabaseRetry}), except {@link #insertMany} and {@link #updateMany}:
 * part of them may already be written (an ordered batch; an update of several documents need not be idempotent).
 */
public final class AppCollection {
    private final AppId appId;
    private final RuntimeCollection kind;
    private final MongoCollection<Document> collection;
    private final boolean orderedBulkWrites;

    /** @param orderedBulkWrites whether bulk writes must be ordered (Cosmos RU with retryable writes refuses unordered) */
    AppCollection(AppId appId, RuntimeCollection kind, MongoCollection<Document> collection, boolean orderedBulkWrites) {
        this.appId = Objects.requireNonNull(appId);
        this.kind = kind;
        this.collection = collection;
        this.orderedBulkWrites = orderedBulkWrites;
    }

    public AppId appId() {
        return appId;
    }

    public RuntimeCollection kind() {
        return kind;
    }

    public Mono<Void> insertOne(Document document) {
        return DatabaseRetry.throttled(Mono.from(collection.insertOne(stamped(document)))).then();
    }

    public Mono<Void> insertMany(List<Document> documents) {
        List<Document> stamped = new ArrayList<>(documents.size());
        documents.forEach(document -> stamped.add(stamped(document)));
        return Mono.from(collection.insertMany(stamped)).then();
    }

    public Mono<Document> findOne(Bson filter) {
        return DatabaseRetry.throttled(Mono.from(collection.find(scoped(filter)).first()));
    }

    public Flux<Document> find(Bson filter, Bson sort, int limit) {
        FindPublisher<Document> find = collection.find(scoped(filter));
        if (sort != null) {
            find = find.sort(sort);
        }
        if (limit > 0) {
            find = find.limit(limit);
        }
        return DatabaseRetry.throttled(Flux.from(find));
    }

    /**
     * Writes each document as it is, by {@code _id}, inserting or replacing: copying an app's data
     * from one database to another is then safe to repeat.
     */
    public Mono<Void> upsertAll(List<Document> documents) {
        if (documents.isEmpty()) {
            return Mono.empty();
        }
        List<WriteModel<Document>> writes = new ArrayList<>(documents.size());
        for (Document document : documents) {
            Document stamped = stamped(document);
            writes.add(new ReplaceOneModel<>(scoped(eq("_id", stamped.get("_id"))), stamped, new ReplaceOptions().upsert(true)));
        }
        // Unordered, where the connection allows it (not Cosmos RU with retryable writes on), the server carries on past one
        // failed write; each write is an idempotent upsert either way.
        return DatabaseRetry.throttled(Mono.from(collection.bulkWrite(writes, new BulkWriteOptions().ordered(orderedBulkWrites)))).then();
    }

    public Mono<Long> count(Bson filter) {
        return DatabaseRetry.throttled(Mono.from(collection.countDocuments(scoped(filter))));
    }

    public Mono<UpdateResult> updateOne(Bson filter, Bson update, boolean upsert) {
        return DatabaseRetry.throttled(Mono.defer(() -> Mono.from(collection.updateOne(scoped(filter), checked(update), new UpdateOptions().upsert(upsert)))));
    }

    public Mono<UpdateResult> updateMany(Bson filter, Bson update) {
        return Mono.defer(() -> Mono.from(collection.updateMany(scoped(filter), checked(update))));
    }

    public Mono<Document> findOneAndUpdate(Bson filter, Bson update, FindOneAndUpdateOptions options) {
        return DatabaseRetry.throttled(Mono.defer(() -> Mono.from(collection.findOneAndUpdate(scoped(filter), checked(update), options))));
    }

    public Mono<Long> deleteOne(Bson filter) {
        return DatabaseRetry.throttled(Mono.from(collection.deleteOne(scoped(filter)))).map(result -> result.getDeletedCount());
    }

    public Mono<Long> deleteMany(Bson filter) {
        return DatabaseRetry.throttled(Mono.from(collection.deleteMany(scoped(filter)))).map(result -> result.getDeletedCount());
    }

    /**
     * Runs the pipeline on this app's documents only: a leading {@code $match} on app_id, and no
     * stage that joins or writes another collection.
     */
    public Flux<Document> aggregate(List<? extends Bson> pipeline) {
        return Flux.defer(() -> {
            List<Bson> scopedPipeline = new ArrayList<>(pipeline.size() + 1);
            scopedPipeline.add(new Document("$match", new Document(ScopedField.APP_ID, appId.value())));
            for (Bson stage : pipeline) {
                refuse(AppScopeRules.stageViolation(render(stage)));
                scopedPipeline.add(stage);
            }
            return Flux.from(collection.aggregate(scopedPipeline));
        }).transform(DatabaseRetry::throttled);
    }

    /**
     * The filter with {@code app_id} added: merged into it at the top level when it has no {@code app_id} of its
     * own (the same query, in the shape an index on {@code (app_id, ...)} serves), else joined with {@code $and}.
     */
    private Bson scoped(Bson filter) {
        Bson byApp = eq(ScopedField.APP_ID, appId.value());
        if (filter == null) {
            return byApp;
        }
        BsonDocument rendered = render(filter);
        if (rendered.containsKey(ScopedField.APP_ID)) {
            return and(byApp, filter);
        }
        BsonDocument merged = new BsonDocument(ScopedField.APP_ID, new BsonString(appId.value()));
        merged.putAll(rendered);
        return merged;
    }

    private Bson checked(Bson update) {
        refuse(AppScopeRules.updateViolation(render(update), appId.value()));
        return update;
    }

    private BsonDocument render(Bson bson) {
        return bson.toBsonDocument(BsonDocument.class, collection.getCodecRegistry());
    }

    private static void refuse(String violation) {
        if (violation != null) {
            throw new IllegalArgumentException(violation);
        }
    }

    private Document stamped(Document document) {
        Object existing = document.get(ScopedField.APP_ID);
        if (existing != null && !appId.value().equals(existing)) {
            throw new IllegalArgumentException("document app_id " + existing + " does not match " + appId);
        }
        Document copy = new Document(document);
        copy.put(ScopedField.APP_ID, appId.value());
        return copy;
    }
}
