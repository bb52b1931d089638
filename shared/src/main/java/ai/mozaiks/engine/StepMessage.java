package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;

import java.time.Instant;
import java.util.Objects;

/**
 * A queue message: run step {@code stepSeq} of one chat, on its {@link Lane}. A step put back after a transient failure
 * ({@link StepRetries}) also carries its retry state, so the retry works while the database is down: {@code attempt}
 * (how many attempts of this step failed transiently so far, 0 for a fresh step) and {@code firstFailedAt} (when the
 * first of them failed; {@code null} for a fresh step).
 */
public record StepMessage(AppId appId, String chatId, long stepSeq, Lane lane, int attempt, Instant firstFailedAt) {
    public StepMessage {
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(chatId, "chatId");
        Objects.requireNonNull(lane, "lane");
        if (stepSeq < 0) {
            throw new IllegalArgumentException("stepSeq must not be negative");
        }
        if (attempt < 0 || attempt > 0 && firstFailedAt == null) {
            throw new IllegalArgumentException("a retried step needs its attempt and when it first failed");
        }
    }

    /** A fresh step on its lane. */
    public StepMessage(AppId appId, String chatId, long stepSeq, Lane lane) {
        this(appId, chatId, stepSeq, lane, 0, null);
    }

    /** An interactive step: what a user's action or a user's chat queues. */
    public StepMessage(AppId appId, String chatId, long stepSeq) {
        this(appId, chatId, stepSeq, Lane.INTERACTIVE);
    }

    /** The chat's step {@code stepSeq}, on the same lane, fresh (no retry state). */
    public StepMessage at(long stepSeq) {
        return new StepMessage(appId, chatId, stepSeq, lane);
    }

    /** This step again after its {@code attempt}-th transient failure, the first of which was at {@code firstFailedAt}. */
    public StepMessage retried(int attempt, Instant firstFailedAt) {
        return new StepMessage(appId, chatId, stepSeq, lane, attempt, firstFailedAt);
    }
}
