package ai.mozaiks.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Probes every dependency at once, each within a deadline, and says which one failed. */
public final class HealthService {
    private final List<HealthCheck> checks;
    private final Duration timeout;
    private final String version;

    public HealthService(List<HealthCheck> checks, Duration timeout, String version) {
        this.checks = List.copyOf(checks);
        this.timeout = timeout;
        this.version = version;
    }

    public Mono<HealthReport> check() {
        return Flux.fromIterable(checks)
                .flatMapSequential(check -> Mono.defer(check::probe)
                        .timeout(timeout)
                        .switchIfEmpty(Mono.fromSupplier(() -> CheckResult.failed("no result")))
                        .onErrorResume(error -> Mono.just(CheckResult.failed(describe(error))))
                        .map(result -> Map.entry(check.name(), result)))
                .collectList()
                .map(results -> {
                    Map<String, CheckResult> byName = new LinkedHashMap<>();
                    results.forEach(entry -> byName.put(entry.getKey(), entry.getValue()));
                    boolean healthy = byName.values().stream().allMatch(CheckResult::ok);
                    return new HealthReport(healthy, byName, version);
                });
    }

    /** A short reason for a report that anyone may read: no stack trace, no connection string. */
    private String describe(Throwable error) {
        if (error instanceof TimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        String message = error.getMessage();
        String reason = error.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
        reason = reason.replaceAll("(?i)(AccountKey|SharedAccessSignature|sig|password|AccessKey)=[^;&\\s]*", "$1=***")
                .replaceAll("://[^/@\\s]+@", "://***@");
        return reason.length() > 200 ? reason.substring(0, 200) + "..." : reason;
    }
}
