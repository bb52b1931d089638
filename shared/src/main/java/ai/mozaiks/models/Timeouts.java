package ai.mozaiks.models;

import java.time.Duration;

/** Timeouts of model providers' settings. */
public final class Timeouts {
    private Timeouts() {
    }

    /** {@code value}, or {@code fallback} when not given; zero or negative is a configuration error. */
    public static Duration positive(Duration value, Duration fallback, String name) {
        Duration result = value == null ? fallback : value;
        if (result.isNegative() || result.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return result;
    }
}
