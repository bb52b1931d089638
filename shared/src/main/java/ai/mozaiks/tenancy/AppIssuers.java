package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.ne;

import ai.mozaiks.identity.TrustedIssuer;
import java.net.URI;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/** The apps' own identity providers, found by issuer: whose end-user a token's bearer is. */
public final class AppIssuers {
    private final ControlCollections collections;

    public AppIssuers(ControlCollections collections) {
        this.collections = collections;
    }

    public Mono<Optional<TrustedIssuer>> find(String issuer) {
        return Mono.from(collections.apps().find(and(eq("end_user_idp.issuer", issuer), ne("status", AppService.DELETED))).first())
                .map(app -> {
                    Document idp = app.get("end_user_idp", Document.class);
                    return Optional.of(TrustedIssuer.app(issuer, idp.getString("audience"), URI.create(idp.getString("jwks_url")),
                            AppId.of(app.getString("_id"))));
                })
                .defaultIfEmpty(Optional.empty());
    }
}
