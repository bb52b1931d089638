package ai.mozaiks.devhost.webpubsub;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The messages the service sends to JSON-subprotocol clients. */
final class ServerFrames {
    static final String PONG = "{\"type\":\"pong\"}";

    /** The error names the service puts in a failed ack. */
    enum AckError {
        FORBIDDEN("Forbidden"), BAD_REQUEST("BadRequest"), INTERNAL_SERVER_ERROR("InternalServerError"), DUPLICATE("Duplicate");

        final String wireName;

        AckError(String wireName) {
            this.wireName = wireName;
        }
    }

    private ServerFrames() {
    }

    static String ack(long ackId) {
        return object().put("type", "ack").put("ackId", ackId).put("success", true).toString();
    }

    static String ack(long ackId, AckError error, String message) {
        ObjectNode ack = object().put("type", "ack").put("ackId", ackId).put("success", false);
        ack.putObject("error").put("name", error.wireName).put("message", message);
        return ack.toString();
    }

    /** The reconnection token is only for the reliable subprotocol (null otherwise). */
    static String connected(String connectionId, String userId, String reconnectionToken) {
        ObjectNode connected = object().put("type", "system").put("event", "connected");
        if (userId != null) {
            connected.put("userId", userId);
        }
        connected.put("connectionId", connectionId);
        if (reconnectionToken != null) {
            connected.put("reconnectionToken", reconnectionToken);
        }
        return connected.toString();
    }

    static String disconnected(String reason) {
        return object().put("type", "system").put("event", "disconnected").put("message", reason).toString();
    }

    /** A data message; the connection adds the {@code sequenceId} on reliable connections. */
    static ObjectNode groupMessage(String group, String fromUserId, Payload payload) {
        ObjectNode message = object().put("type", "message").put("from", "group").put("group", group);
        if (fromUserId != null) {
            message.put("fromUserId", fromUserId);
        }
        return withPayload(message, payload);
    }

    static ObjectNode serverMessage(Payload payload) {
        return withPayload(object().put("type", "message").put("from", "server"), payload);
    }

    private static ObjectNode withPayload(ObjectNode message, Payload payload) {
        message.put("dataType", payload.dataType()).set("data", payload.data());
        return message;
    }

    private static ObjectNode object() {
        return Json.mapper().createObjectNode();
    }
}
