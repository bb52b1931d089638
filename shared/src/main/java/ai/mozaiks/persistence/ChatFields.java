package ai.mozaiks.persistence;

/** Fields of {@code chat_sessions} that code outside the engine reads: run counts, draining. */
public final class ChatFields {
    public static final String STATUS = "status";
    public static final String USER_ID = "user_id";
    /** Set while a step holds the chat; a step in flight has it in the future. */
    public static final String LEASE_UNTIL = "lease_until";
    /** The status of a run that holds a concurrency slot. */
    public static final String RUNNING = "running";

    private ChatFields() {
    }
}
