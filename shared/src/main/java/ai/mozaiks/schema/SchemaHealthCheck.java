package ai.mozaiks.schema;

import ai.mozaiks.health.CheckResult;
import ai.mozaiks.health.HealthCheck;
import ai.mozaiks.persistence.SchemaReport;
import ai.mozaiks.persistence.SchemaReport.Outcome;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import reactor.core.publisher.Mono;

/**
 * The health report's view of the deploy step. It fails while a declared collection is absent from the platform's own
 * databases (the control one and the shared runtime one): the step has not run, so requests would meet unindexed sorts
 * and unguarded uniqueness. Everything else {@code GET /api/admin/schema} lists is counted, not failed: index drift
 * (some is expected on a target that refuses a declaration, such as a TTL index off {@code _ts} on Cosmos RU), and the
 * databases apps are routed to, which concern those apps alone. The endpoint is public, so only counts leave here,
 * never names. A check lists every collection's indexes, so its answer is reused for a while (a failing one briefly, so
 * a deploy step just run shows soon) rather than paid on every probe.
 */
public final class SchemaHealthCheck implements HealthCheck {
    private final Set<String> platformDatabases;
    private final Mono<CheckResult> cached;

    public SchemaHealthCheck(Schema schema, Set<String> platformDatabases, Duration reusePassing, Duration reuseFailing) {
        this.platformDatabases = Set.copyOf(platformDatabases);
        this.cached = Mono.defer(() -> {
                    long started = System.nanoTime();
                    return schema.check().map(report -> judge(report, (System.nanoTime() - started) / 1_000_000));
                })
                .cache(result -> result.ok() ? reusePassing : reuseFailing, error -> Duration.ZERO, () -> Duration.ZERO);
    }

    @Override
    public String name() {
        return "schema";
    }

    @Override
    public Mono<CheckResult> probe() {
        return cached;
    }

    CheckResult judge(SchemaReport report, long millis) {
        List<SchemaReport.Entry> drift = report.drift();
        Set<String> absent = new TreeSet<>();
        long platformAbsent = 0;
        for (SchemaReport.Entry entry : drift) {
            if (entry.outcome() == Outcome.MISSING && entry.index() == null) {
                absent.add(entry.database() + "." + entry.collection());
                platformAbsent += platformDatabases.contains(entry.database()) ? 1 : 0;
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("check_ms", millis);
        details.put("collections_missing", platformAbsent);
        details.put("app_database_collections_missing", absent.size() - platformAbsent);
        details.put("databases_unreachable", count(drift, Outcome.UNREACHABLE));
        // An absent collection's indexes are absent too; they are not counted twice.
        details.put("indexes_missing", drift.stream().filter(entry -> entry.outcome() == Outcome.MISSING && entry.index() != null
                && !absent.contains(entry.database() + "." + entry.collection())).count());
        details.put("indexes_different", drift.stream().filter(entry -> entry.outcome() == Outcome.DIFFERENT && entry.index() != null).count());
        details.put("shard_keys_different", drift.stream().filter(entry -> entry.outcome() == Outcome.DIFFERENT && entry.index() == null).count());
        details.put("indexes_extra", count(drift, Outcome.EXTRA));
        if (platformAbsent > 0) {
            details.put("error", "declared collections are missing: run the deploy step (PUT /api/admin/schema)");
            return new CheckResult(false, details);
        }
        return new CheckResult(true, details);
    }

    private static long count(List<SchemaReport.Entry> drift, Outcome outcome) {
        return drift.stream().filter(entry -> entry.outcome() == outcome).count();
    }
}
