package ai.mozaiks.config;

import java.time.Duration;

/**
 * How this instance runs the steps of chats. The defaults are the values the platform is tuned and tested with.
 *
 * @param lease         how long a step holds its chat: longer than a turn takes, model latency included
 *                      ({@code STEP_LEASE_SECONDS})
 * @param retryAfter    how long a message for a busy chat waits before it is seen again ({@code STEP_RETRY_SECONDS})
 * @param instanceId    this instance in the leases it takes ({@code STEP_INSTANCE_ID}; a random suffix is added per
 *                      attempt, so instances may share it)
 * @param window        how many recent messages a chat's conversation keeps, and models see ({@code CONVERSATION_WINDOW})
 * @param deltaInterval how long streamed text gathers before it goes out as one {@code chat.text_delta}
 *                      ({@code TEXT_DELTA_MILLIS})
 * @param appStateTtl   how long an instance trusts the app state (status, tier) it read: the longest a suspension
 *                      goes unnoticed by another instance ({@code APP_STATE_CACHE_SECONDS})
 * @param retryBudget   how long a step may keep failing transiently (model or database briefly away), retried with
 *                      backoff, before its chat fails with the cause named ({@code STEP_RETRY_BUDGET_SECONDS})
 * @param inPlace       whether a step due now starts on the instance where its input landed, when it has a free step slot
 *                      and the app is within its fair share, the queue keeping a delayed copy as the safety net
 *                      ({@code STEP_IN_PLACE}, default on; off, every step waits for the queue trigger)
 */
public record StepSettings(Duration lease, Duration retryAfter, String instanceId, int window, Duration deltaInterval,
                           Duration appStateTtl, Duration retryBudget, boolean inPlace) {
    /**
     * Half a minute: a step whose instance died is taken up again within a minute (the lease, then the stall reaper's
     * next sweep), while a step in progress renews it every third of it (two chances before it lapses).
     */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    static StepSettings read(SettingsReader reader) {
        return new StepSettings(
                reader.seconds("STEP_LEASE_SECONDS", DEFAULT_LEASE, 30, 3600),
                reader.seconds("STEP_RETRY_SECONDS", Duration.ofSeconds(5), 1, 300),
                reader.string("STEP_INSTANCE_ID", "engine", value -> value.matches("[A-Za-z0-9._-]{1,64}"),
                        "1-64 letters, digits, '.', '_' or '-'"),
                reader.integer("CONVERSATION_WINDOW", 40, 2, 1000),
                Duration.ofMillis(reader.integer("TEXT_DELTA_MILLIS", 100, 10, 5000)),
                reader.seconds("APP_STATE_CACHE_SECONDS", Duration.ofSeconds(2), 1, 300),
                reader.seconds("STEP_RETRY_BUDGET_SECONDS", Duration.ofMinutes(10), 0, 86400),
                reader.flag("STEP_IN_PLACE", true));
    }
}
