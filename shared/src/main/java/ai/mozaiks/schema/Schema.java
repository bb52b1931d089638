package ai.mozaiks.schema;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.config.MongoFlavor;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.persistence.RuntimeSchema;
import ai.mozaiks.persistence.SchemaEnsurer;
import ai.mozaiks.persistence.SchemaReport;
import ai.mozaiks.persistence.StorageLocation;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.tenancy.AppIssuers;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The deploy-time step: brings the control database and every runtime database in use (the shared one and each
 * database an app is routed to) in line with {@link SchemaCatalog}, and registers the end-user issuers of apps made
 * before {@code app_issuers} existed. Idempotent: a second run creates nothing. Run by the devhost at start and, in
 * Azure, once per deployment ({@code PUT /api/admin/schema}); requests never create collections or indexes.
 */
public final class Schema {
    private final MongoDatabase control;
    private final MongoFlavor controlFlavor;
    private final RuntimeSchema runtime;
    private final StorageRouter router;
    private final AppIssuers issuers;

    /** {@code controlFlavor}: the flavor of the control database's connection (the shared cluster's). */
    public Schema(MongoDatabase control, MongoFlavor controlFlavor, RuntimeSchema runtime, StorageRouter router, AppIssuers issuers) {
        this.control = control;
        this.controlFlavor = controlFlavor;
        this.runtime = runtime;
        this.router = router;
        this.issuers = issuers;
    }

    /** Creates what is missing, then reports what it did and every drift left. */
    public Mono<SchemaReport> ensure() {
        return SchemaEnsurer.ensure(control, controlFlavor, SchemaCatalog.control())
                .flatMap(report -> issuers.backfill().map(report::plus))
                .flatMap(report -> eachRuntime(runtime::ensure).map(report::plus));
    }

    /** Changes nothing: what {@link #ensure} would create is reported as missing. */
    public Mono<SchemaReport> check() {
        return SchemaEnsurer.check(control, controlFlavor, SchemaCatalog.control())
                .flatMap(report -> eachRuntime(runtime::check).map(report::plus));
    }

    /** {@link #ensure} for a platform administrator (anyone else: 404, as for the other admin resources). */
    public Mono<Map<String, Object>> ensure(Principal actor) {
        requireAdmin(actor);
        return ensure().map(SchemaReport::toJson);
    }

    public Mono<Map<String, Object>> check(Principal actor) {
        requireAdmin(actor);
        return check().map(SchemaReport::toJson);
    }

    private Mono<SchemaReport> eachRuntime(Function<StorageLocation, Mono<SchemaReport>> step) {
        return Flux.from(router.routes().find())
                .collect(() -> new LinkedHashSet<>(List.of(router.sharedLocation())), (locations, route) -> {
                    String connection = route.getString("connection");
                    String database = route.getString("database");
                    if (connection != null && database != null) {
                        locations.add(new StorageLocation(connection, database));
                    }
                })
                .flatMapMany(Flux::fromIterable)
                .concatMap(location -> Mono.defer(() -> step.apply(location))
                        // A route naming a connection this deployment lacks (or a database down) is reported, not fatal.
                        .onErrorResume(RuntimeException.class, e -> Mono.just(new SchemaReport(List.of(new SchemaReport.Entry(
                                location.databaseName(), "*", null, SchemaReport.Outcome.UNREACHABLE,
                                "not reachable via " + location.connectionName() + ": " + e.getMessage()))))))
                .reduce(SchemaReport.empty(), SchemaReport::plus);
    }

    private static void requireAdmin(Principal actor) {
        if (!actor.isPlatformAdmin()) {
            throw ApiException.notFound("The resource");
        }
    }
}
