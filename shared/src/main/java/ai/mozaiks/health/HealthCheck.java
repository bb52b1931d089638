package ai.mozaiks.health;

import reactor.core.publisher.Mono;

/** A probe of one dependency, named as it appears in the health report. */
public interface HealthCheck {
    String name();

    Mono<CheckResult> probe();
}
