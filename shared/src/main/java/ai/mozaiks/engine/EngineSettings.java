package ai.mozaiks.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * @param model          the model (deployment) name requests name
 * @param lease          how long a step holds its chat without renewing it (a running step renews it every third of it)
 * @param retryAfter     how long a message for a busy chat waits before it is seen again
 * @param window         how many recent messages the conversation state keeps (and models see)
 * @param instanceId     this process, for the lease owner (a random suffix is added per attempt)
 * @param config         what {@code config} context variables read: the app's own settings
 * @param deltaInterval  how long streamed text gathers before it goes out as one {@code chat.text_delta}
 */
public record EngineSettings(String model, Duration lease, Duration retryAfter, int window, String instanceId,
                             ContextConfig config, Duration deltaInterval) {
    /** A tenth of a second: smooth enough to read, one message per interval per streaming chat at most. */
    public static final Duration DEFAULT_DELTA_INTERVAL = Duration.ofMillis(100);

    public EngineSettings {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(deltaInterval, "deltaInterval");
        if (window < 2) {
            throw new IllegalArgumentException("window must be at least 2");
        }
    }

    /**
     * How long a running chat may go unchanged, with no live lease, before it counts as stalled: a lease, then the
     * retry wait (a step in progress renews its lease, and a busy chat's step comes back within the retry wait).
     */
    public Duration stalledAfter() {
        return lease.plus(retryAfter);
    }

    public static EngineSettings defaults(String model) {
        return new EngineSettings(model, Duration.ofSeconds(30), Duration.ofSeconds(5), ConversationState.DEFAULT_WINDOW,
                "engine", ContextConfig.NONE, DEFAULT_DELTA_INTERVAL);
    }
}
