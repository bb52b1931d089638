package ai.mozaiks.tenancy;

import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import org.bson.Document;
import reactor.core.publisher.Mono;

/** The control database's tenancy collections (their indexes are declared in the schema catalog). */
public final class ControlCollections {
    public static final String TENANTS = "tenants";
    public static final String MEMBERSHIPS = "memberships";
    public static final String INVITATIONS = "invitations";
    public static final String APPS = "apps";
    public static final String USERS = "users";
    /**
     * {@code {_id: {issuer, audience}, app_id}}: who holds an end-user issuer and audience. Its {@code _id} makes the
     * pair unique, which a unique index on {@code apps} could do only as a sparse one (apps without an IdP), and
     * Cosmos DB's RU API has no sparse indexes. Written only by {@link AppService}.
     */
    public static final String APP_ISSUERS = "app_issuers";
    private final MongoCollection<Document> tenants;
    private final MongoCollection<Document> memberships;
    private final MongoCollection<Document> invitations;
    private final MongoCollection<Document> apps;
    private final MongoCollection<Document> users;
    private final MongoCollection<Document> appIssuers;

    public ControlCollections(MongoDatabase control) {
        this.tenants = control.getCollection(TENANTS);
        this.memberships = control.getCollection(MEMBERSHIPS);
        this.invitations = control.getCollection(INVITATIONS);
        this.apps = control.getCollection(APPS);
        this.users = control.getCollection(USERS);
        this.appIssuers = control.getCollection(APP_ISSUERS);
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

    /** The holders of end-user (issuer, audience) pairs; see {@link #APP_ISSUERS}. */
    public MongoCollection<Document> appIssuers() {
        return appIssuers;
    }

    /** One document per platform user, counting what they created (tenants), keyed by the user id. */
    public MongoCollection<Document> users() {
        return users;
    }
}
