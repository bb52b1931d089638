package ai.mozaiks.session;

/** Fields of {@code chat_sessions} that code outside the engine reads: run counts, draining. */
public final class ChatFields {
    public static final String STATUS = "status";
    public static final String USER_ID = "user_id";
    /** Set while a step holds the chat; a step in flight has it in the future. */
    public static final String LEASE_UNTIL = "lease_until";
    /** The status of a run that holds a concurrency slot. */
    public static final String RUNNING = "running";
    public static final String CHAT_ID = "chat_id";
    public static final String WORKFLOW_NAME = "workflow_name";
    /** The version of the workflow the chat runs, pinned by its first step (see {@code ChatWorkflows}). */
    public static final String WORKFLOW_REF = "workflow_ref";
    /** The journey step a chat is ({@code JourneyTag}), when it is one. */
    public static final String JOURNEY = "journey";
    public static final String CREATED_AT = "created_at";
    public static final String UPDATED_AT = "updated_at";
    /** The chat's step counter: a step claims the chat by a conditional update on it. */
    public static final String STEP_SEQ = "step_seq";
    /** The last event seq handed out; {@code chat_events} holds the events up to it. */
    public static final String EVENT_SEQ = "event_seq";
    /** The last commit's events, kept until the next step confirms they are in the log. */
    public static final String OUTBOX = "outbox";
    public static final String CLIENT_REQUEST_ID = "client_request_id";
    /** Who holds the step lease ({@link #LEASE_UNTIL}): the executor instance's id for this attempt. */
    public static final String LEASE_OWNER = "lease_owner";
    /** The engine's compact conversation state (recent messages, context variables, counters). */
    public static final String CONVERSATION = "conversation";
    /** A child workflow's parent chat (the runtime's field); its steps run on the background lane. */
    public static final String PARENT_CHAT_ID = "parent_chat_id";
    /** A child's place in its parent's fan-out: {@code {run_id, index}}. */
    public static final String SPAWN = "spawn";
    /** The first user message of a chat that was given one (a child's {@code initial_message}), instead of the workflow's seed. */
    public static final String SEED_MESSAGE = "seed_message";
    /** The fan-out a chat waiting for children asked for, until its children's results resume it. */
    public static final String FAN_OUT = "fan_out";
    /** When a chat went {@code queued} (waiting for a run slot): queued chats run oldest first. */
    public static final String QUEUED_AT = "queued_at";
    /** The last fan-out run the chat resumed from (so a repeated fan-in knows it happened). */
    public static final String RESUMED_FROM = "resumed_from";

    private ChatFields() {
    }
}
