package ai.mozaiks.session;

import java.util.Objects;
import org.bson.Document;

/**
 * Where a child workflow's chat belongs: its parent chat, the fan-out run that started it and its place there.
 * {@code seedMessage}, when given, is the child's first user message (the selection's {@code initial_message}).
 */
public record ChildOf(String parentChatId, String runId, int index, String seedMessage) {
    private static final String RUN_ID = "run_id";
    private static final String INDEX = "index";

    public ChildOf {
        Objects.requireNonNull(parentChatId, "parentChatId");
        Objects.requireNonNull(runId, "runId");
    }

    /** The {@code spawn} field of the child's chat. */
    public Document spawn() {
        return new Document(RUN_ID, runId).append(INDEX, index);
    }

    /** The run and place of a child chat's {@code spawn} field. */
    public static ChildOf from(String parentChatId, Document spawn, String seedMessage) {
        return new ChildOf(parentChatId, spawn.getString(RUN_ID), ((Number) spawn.get(INDEX)).intValue(), seedMessage);
    }
}
