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
 * The health report's view of the deploy step: fails while a declared collection is absent (the step has not run
 * against that database, so requests would meet unindexed sorts and unguarded uniqueness), and otherwise counts the
 * drift {@code GET /api/admin/schema} lists. A routed database that cannot be listed is counted, not failed: it
 * concerns the apps routed there, and the mongo check speaks for the platform's own cluster. Index drift alone does not fail
 * it: some is expected on a target that refuses a declaration (a TTL index off {@code _ts} on Cosmos RU). The health
 * endpoint is public, so only counts leave here, never names. A check lists every collection's indexes, so its answer
 * is shared for a while rather than paid on every probe.
 */
public final class SchemaHealthCheck implements HealthCheck {
    private final Mono<CheckResult> cached;

    public SchemaHealthCheck(Schema schema, Duration reuseFor) {
        this.cached = Mono.defer(() -> {
                    long started = System.nanoTime();
                    return schema.check().map(report -> judge(report, (System.nanoTime() - started) / 1_000_000));
                })
                // Failures are not kept: the next probe asks again, so a deploy step just run shows at once.
                .cache(result -> result.ok() ? reuseFor : Duration.ZERO, error -> Duration.ZERO, () -> Duration.ZERO);
    }

    @Override
    public String name() {
        return "schema";
    }

    @Override
    public Mono<CheckResult> probe() {
        return cached;
    }

    static CheckResult judge(SchemaReport report, long millis) {
        List<SchemaReport.Entry> drift = report.drift();
        Set<String> unreachable = new TreeSet<>();
        Set<String> absent = new TreeSet<>();
        for (SchemaReport.Entry entry : drift) {
            if (entry.outcome() == Outcome.MISSING && entry.index() == null) {
                (entry.collection().equals("*") ? unreachable : absent).add(entry.database() + "." + entry.collection());
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("check_ms", millis);
        details.put("databases_unreachable", (long) unreachable.size());
        details.put("collections_missing", (long) absent.size());
        // An absent collection's indexes are absent too; they are not counted twice.
        details.put("indexes_missing", drift.stream().filter(entry -> entry.outcome() == Outcome.MISSING && entry.index() != null
                && !absent.contains(entry.database() + "." + entry.collection())).count());
        details.put("indexes_different", count(drift, Outcome.DIFFERENT));
        details.put("indexes_extra", count(drift, Outcome.EXTRA));
        if (!absent.isEmpty()) {
            details.put("error", "declared collections are missing: run the deploy step (PUT /api/admin/schema)");
            return new CheckResult(false, details);
        }
        return new CheckResult(true, details);
    }

    private static long count(List<SchemaReport.Entry> drift, Outcome outcome) {
        return drift.stream().filter(entry -> entry.outcome() == outcome).count();
    }
}
