package ai.mozaiks.session;

import ai.mozaiks.session.ChatFields;

/** Where a chat stands. Stored as its wire value in {@code chat_sessions.status}. */
public enum ChatStatus {
    /** A step is queued or running; a top-level chat holds a run slot (tenancy.RunSlots). */
    RUNNING(ChatFields.RUNNING),
    /**
     * Work is waiting for a run slot (the app's or its user's run limit is reached): the user's message or answer is
     * taken, and the chat goes {@code running} in turn, oldest first, when a slot frees. Holds no slot, no compute.
     */
    QUEUED("queued"),
    /** Waiting for the user (human in the loop, a UI tool) with no compute held. */
    AWAITING_INPUT("awaiting_input"),
    /** Waiting for the child workflows it started (a fan-out) with no compute held; their end resumes it. */
    AWAITING_CHILDREN("awaiting_children"),
    COMPLETED("completed"),
    /**
     * Ended because it took its workflow's {@code max_turns} (or its tier's cap) without terminating: over, but not a
     * completion, so a journey does not move on from it and a fan-out does not count it as a child that succeeded.
     */
    MAX_TURNS_REACHED("max_turns_reached"),
    FAILED("failed"),
    CANCELLED("cancelled");

    private final String wire;

    ChatStatus(String wire) {
        this.wire = wire;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String wire() {
        return wire;
    }

    /** A finished chat: no step will run for it again. */
    public boolean terminal() {
        return this == COMPLETED || this == MAX_TURNS_REACHED || this == FAILED || this == CANCELLED;
    }

    public static ChatStatus fromWire(String value) {
        for (ChatStatus status : values()) {
            if (status.wire.equals(value)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown chat status: " + value);
    }
}
