package ai.mozaiks.session;

import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.ScopedField;
import java.time.Instant;
import org.bson.Document;

/** A chat's metadata as stored in {@code chat_sessions}; its events live in the event log. {@code parentChatId}: a child workflow's parent. */
@com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ChatSession(String chatId, String appId, String userId, String workflowName, ChatStatus status,
                          Instant createdAt, Instant updatedAt, long stepSeq, long eventSeq, String clientRequestId,
                          String parentChatId) {

    static ChatSession from(Document document) {
        return new ChatSession(
                document.getString(ChatFields.CHAT_ID),
                document.getString(ScopedField.APP_ID),
                document.getString(ChatFields.USER_ID),
                document.getString(ChatFields.WORKFLOW_NAME),
                ChatStatus.fromWire(document.getString(ChatFields.STATUS)),
                document.getDate(ChatFields.CREATED_AT).toInstant(),
                document.getDate(ChatFields.UPDATED_AT).toInstant(),
                longValue(document, ChatFields.STEP_SEQ),
                longValue(document, ChatFields.EVENT_SEQ),
                document.getString(ChatFields.CLIENT_REQUEST_ID),
                document.getString(ChatFields.PARENT_CHAT_ID));
    }

    // Counters are written as int64, but a document copied or edited by hand may hold an int32.
    private static long longValue(Document document, String field) {
        Object value = document.get(field);
        return value instanceof Number number ? number.longValue() : 0L;
    }
}
