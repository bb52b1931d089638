package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;

import java.util.Objects;

/** A queue message: run step {@code stepSeq} of one chat, on its {@link Lane}. */
public record StepMessage(AppId appId, String chatId, long stepSeq, Lane lane) {
    public StepMessage {
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(chatId, "chatId");
        Objects.requireNonNull(lane, "lane");
        if (stepSeq < 0) {
            throw new IllegalArgumentException("stepSeq must not be negative");
        }
    }

    /** An interactive step: what a user's action or a user's chat queues. */
    public StepMessage(AppId appId, String chatId, long stepSeq) {
        this(appId, chatId, stepSeq, Lane.INTERACTIVE);
    }

    /** The chat's step {@code stepSeq}, on the same lane. */
    public StepMessage at(long stepSeq) {
        return new StepMessage(appId, chatId, stepSeq, lane);
    }
}
