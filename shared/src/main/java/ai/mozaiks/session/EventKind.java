package ai.mozaiks.session;

import java.util.Optional;

/**
 * The kinds of chat events, as the existing runtime names them. On the wire an event is
 * {@code {type: "chat.<kind>", data, seq, timestamp}}; {@code seq} is the only sequence field
 * (the old runtime's {@code data.sequence} and the ChatUI's {@code data.seq} disagreed).
 */
public enum EventKind {
    TEXT("text", true),
    SELECT_SPEAKER("select_speaker", true),
    TOOL_CALL("tool_call", true),
    TOOL_RESPONSE("tool_response", true),
    INPUT_REQUEST("input_request", true),
    INPUT_ACK("input_ack", true),
    USAGE_DELTA("usage_delta", true),
    RUN_START("run_start", true),
    RUN_COMPLETE("run_complete", true),
    ERROR("error", true),
    /** A journey went on in another chat: {@code from_chat_id, to_chat_id, workflow_name, journey_key, ...}. */
    CONTEXT_SWITCHED("context_switched", true),
    /** A fan-out started child workflows: {@code count, workflows[{chat_id, workflow_name, ...}], run_id, resume_agent, ...}. */
    WORKFLOW_BATCH_STARTED("workflow_batch_started", true),
    /** One child of a fan-out ended: {@code run_id, chat_id, workflow_name, status, completed_count, total}. */
    WORKFLOW_CHILD_COMPLETED("workflow_child_completed", true),
    /** The parent goes on with its children's merged results: {@code resume_agent, succeeded_count, failed_count, ...}. */
    WORKFLOW_RESUMED("workflow_resumed", true),
    /**
     * A step failed transiently and runs again later: {@code step_seq, attempt, retry_at, reason}. Stored when the
     * database is reachable (key {@code retry:<step>:<attempt>}), otherwise sent live only.
     */
    RETRYING("retrying", true),
    /** Streamed token deltas: delivered live only, never stored; the final {@link #TEXT} is. */
    TEXT_DELTA("text_delta", false),
    /**
     * A step runs again after an attempt that did not commit: the text streamed for it is void ({@code step_seq, reason}).
     * Live only, sent before the new attempt's first delta.
     */
    TEXT_RESET("text_reset", false);

    private static final String PREFIX = "chat.";

    private final String kind;
    private final boolean persisted;

    EventKind(String kind, boolean persisted) {
        this.kind = kind;
        this.persisted = persisted;
    }

    public String kind() {
        return kind;
    }

    /** The envelope's {@code type}: {@code chat.<kind>}. */
    public String type() {
        return PREFIX + kind;
    }

    /** False for ephemeral kinds, which the event log refuses. */
    public boolean persisted() {
        return persisted;
    }

    public static Optional<EventKind> fromType(String type) {
        for (EventKind value : values()) {
            if (value.type().equals(type)) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
