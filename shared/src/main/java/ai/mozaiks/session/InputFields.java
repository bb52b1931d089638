package ai.mozaiks.session;

/**
 * Fields of {@code chat_sessions} that user input and cancellation use, shared by the engine's {@code ChatInputs}
 * (which writes them) and {@code StepExecutor} (which honours them at its step boundaries).
 */
public final class InputFields {
    /** Messages that arrived while a turn ran: {@code [{client_message_id, text, seq}]}, oldest first, at most {@link #MAX_PENDING}. */
    public static final String PENDING_INPUTS = "pending_inputs";
    /** Inputs already taken into the conversation: {@code [{key, seq}]}, the latest {@link #MAX_ACCEPTED}, for idempotent retries. */
    public static final String ACCEPTED_INPUTS = "accepted_inputs";
    /** The user asked to cancel a running chat; the executor commits {@code cancelled} at its next step boundary. */
    public static final String CANCEL_REQUESTED = "cancel_requested";
    /** With the {@code interrupt} policy: the executor takes the first pending input at its next step boundary. */
    public static final String INTERRUPT_REQUESTED = "interrupt_requested";

    public static final String CLIENT_MESSAGE_ID = "client_message_id";
    public static final String TEXT = "text";
    public static final String SEQ = "seq";
    public static final String KEY = "key";

    public static final int MAX_PENDING = 20;
    public static final int MAX_ACCEPTED = 100;

    private InputFields() {
    }

    /** The event key of a user's message. */
    public static String inputKey(String clientMessageId) {
        return "input:" + clientMessageId;
    }

    /** The event key of the {@code input_ack} of a user's message. */
    public static String ackKey(String clientMessageId) {
        return "input:" + clientMessageId + ":ack";
    }
}
