package ai.mozaiks.engine;

import ai.mozaiks.tenancy.AppId;

import java.util.Objects;

/** A queue message: run step {@code stepSeq} of one chat. */
public record StepMessage(AppId appId, String chatId, long stepSeq) {
    public StepMessage {
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(chatId, "chatId");
        if (stepSeq < 0) {
            throw new IllegalArgumentException("stepSeq must not be negative");
        }
    }
}
