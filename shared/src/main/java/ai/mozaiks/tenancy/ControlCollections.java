package ai.mozaiks.tenancy;

import com.mongodb.MongoCommandException;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.util.List;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The control database's tenancy collections and the indexes behind their queries. */
public final class ControlCollections {
    private final MongoCollection<Document> tenants;
    private final MongoCollection<Document> memberships;
    private final MongoCollection<Document> invitations;
    private final MongoCollection<Document> apps;
    private final MongoCollection<Document> users;

    public ControlCollections(MongoDatabase control) {
        this.tenants = control.getCollection("tenants");
        this.memberships = control.getCollection("memberships");
        this.invitations = control.getCollection("invitations");
        this.apps = control.getCollection("apps");
        this.users = control.getCollection("users");
    }

    public Mono<Void> ensureIndexes() {
        return Flux.concat(
                memberships.createIndexes(List.of(
                        new IndexModel(Indexes.ascending("user_id", "tenant_id"), new IndexOptions().name("user_tenants")),
                        new IndexModel(Indexes.ascending("tenant_id", "user_id"), new IndexOptions().name("tenant_members")))),
                invitations.createIndexes(List.of(
                        new IndexModel(Indexes.ascending("tenant_id", "created_at"), new IndexOptions().name("tenant_invitations")))),
                apps.createIndexes(List.of(
                        new IndexModel(Indexes.ascending("tenant_id", "_id"), new IndexOptions().name("tenant_apps")),
                        new IndexModel(Indexes.ascending("end_user_idp.issuer", "end_user_idp.audience"),
                                new IndexOptions().name("app_issuer_audience").sparse(true).unique(true)),
                        new IndexModel(Indexes.ascending("status", "purge_after"), new IndexOptions().name("purge_due")))),
                // The older, stricter key (one app per issuer) goes only once (issuer, audience) is enforced (AppIssuers):
                // if the new index cannot be made, the old one keeps registrations unique.
                Mono.from(apps.dropIndex("app_issuer")).onErrorResume(MongoCommandException.class, absent -> Mono.empty())).then();
    }

    public MongoCollection<Document> tenants() {
        return tenants;
    }

    public MongoCollection<Document> memberships() {
        return memberships;
    }

    public MongoCollection<Document> invitations() {
        return invitations;
    }

    public MongoCollection<Document> apps() {
        return apps;
    }

    /** One document per platform user, counting what they created (tenants), keyed by the user id. */
    public MongoCollection<Document> users() {
        return users;
    }
}
