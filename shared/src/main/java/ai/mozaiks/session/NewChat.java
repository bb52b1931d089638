package ai.mozaiks.session;

import ai.mozaiks.api.Validation;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What starting a chat needs. {@code clientRequestId} is optional: a client that sends one may
 * retry the start freely and always gets the same chat back. {@code journey} is set for a chat that
 * is a step of a journey, {@code child} for a child workflow's chat. {@code workflowRef}, when known, pins the version
 * of the workflow the start was entitled to ({@code workflow_ref}); otherwise the chat's first step resolves it.
 */
public record NewChat(String userId, String workflowName, String clientRequestId, ChatStatus initialStatus, JourneyTag journey,
                      ChildOf child, String workflowRef) {
    static final int MAX_CLIENT_REQUEST_ID = 200;
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]*");

    public NewChat(String userId, String workflowName, String clientRequestId, ChatStatus initialStatus) {
        this(userId, workflowName, clientRequestId, initialStatus, null, null);
    }

    public NewChat(String userId, String workflowName, String clientRequestId, ChatStatus initialStatus, JourneyTag journey) {
        this(userId, workflowName, clientRequestId, initialStatus, journey, null);
    }

    public NewChat(String userId, String workflowName, String clientRequestId, ChatStatus initialStatus, JourneyTag journey,
                   ChildOf child) {
        this(userId, workflowName, clientRequestId, initialStatus, journey, child, null);
    }

    /** This start, its chat pinned to {@code ref} (a pack version's id, or the platform's own). */
    public NewChat pinnedTo(String ref) {
        return new NewChat(userId, workflowName, clientRequestId, initialStatus, journey, child, ref);
    }

    public NewChat {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(workflowName, "workflowName");
        Objects.requireNonNull(initialStatus, "initialStatus");
    }

    /** Refuses what a client could get wrong (400); a terminal initial status is a programming error. */
    void validate() {
        if (initialStatus.terminal()) {
            throw new IllegalArgumentException("a chat cannot start " + initialStatus.wire());
        }
        Validation validation = new Validation()
                .text("user_id", userId, 200, true)
                .text("workflow_name", workflowName, 200, true);
        if (clientRequestId != null) {
            validation.require(clientRequestId.length() <= MAX_CLIENT_REQUEST_ID && CLIENT_REQUEST_ID.matcher(clientRequestId).matches(),
                    "client_request_id", "must be 1-" + MAX_CLIENT_REQUEST_ID
                            + " letters, digits, '_', '.', ':' or '-', starting with a letter or digit");
        }
        validation.check();
    }
}
