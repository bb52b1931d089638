package ai.mozaiks.health;

import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/** A probe of one dependency, named as it appears in the health report. */
public interface HealthCheck {
    String name();

    Mono<CheckResult> probe();

    static HealthCheck of(String name, Supplier<Mono<CheckResult>> probe) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Mono<CheckResult> probe() {
                return probe.get();
            }
        };
    }
}
