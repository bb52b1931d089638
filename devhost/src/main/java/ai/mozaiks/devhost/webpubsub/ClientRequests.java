package ai.mozaiks.devhost.webpubsub;

import ai.mozaiks.devhost.webpubsub.ServerFrames.AckError;
import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.logging.Logger;

/**
 * What a JSON-subprotocol client asks of the service ({@code joinGroup}, {@code leaveGroup},
 * {@code sendToGroup}, {@code event}, {@code sequenceAck}, {@code ping}) and the acks it gets: every
 * request with an {@code ackId} is answered, a reused ackId with {@code Duplicate} and no second effect.
 * Unknown message types are ignored, as the protocol asks of both sides.
 */
final class ClientRequests {
    private static final Logger LOG = Logger.getLogger(ClientRequests.class.getName());

    private final Connections connections;
    private final Upstream upstream;

    ClientRequests(Connections connections, Upstream upstream) {
        this.connections = connections;
        this.upstream = upstream;
    }

    /** Handles one text frame; one that is not a JSON object is an {@link IllegalArgumentException}. */
    void handle(ClientConnection connection, String frame) {
        JsonNode message = Json.read(frame);
        if (!message.isObject()) {
            throw new IllegalArgumentException("a message is a JSON object");
        }
        JsonNode ackIdNode = message.path("ackId");
        Long ackId = ackIdNode.isIntegralNumber() && ackIdNode.canConvertToLong() ? ackIdNode.asLong() : null;
        String type = message.path("type").asText("");
        switch (type) {
            case "joinGroup", "leaveGroup", "sendToGroup", "event" -> {
                if (ackId != null && !connection.firstUseOf(ackId)) {
                    fail(connection, ackId, AckError.DUPLICATE, "Message with ack-id: " + ackId + " has been processed");
                    return;
                }
                try {
                    request(connection, type, message, ackId);
                } catch (IllegalArgumentException e) {
                    fail(connection, ackId, AckError.BAD_REQUEST, e.getMessage());
                }
            }
            case "sequenceAck" -> {
                if (message.path("sequenceId").isIntegralNumber()) {
                    connection.acknowledge(message.path("sequenceId").asLong());
                }
            }
            case "ping" -> connection.sendControl(ServerFrames.PONG);
            default -> {
                // a newer client's message this service version does not know
            }
        }
    }

    private void request(ClientConnection connection, String type, JsonNode message, Long ackId) {
        switch (type) {
            case "joinGroup" -> {
                String group = group(message);
                if (!Permission.JOIN_LEAVE_GROUP.allowed(connection.roles(), group)) {
                    fail(connection, ackId, AckError.FORBIDDEN, "The connection has no permission to join group " + group + ".");
                    return;
                }
                connection.groups().add(group);
            }
            case "leaveGroup" -> {
                String group = group(message);
                if (!Permission.JOIN_LEAVE_GROUP.allowed(connection.roles(), group)) {
                    fail(connection, ackId, AckError.FORBIDDEN, "The connection has no permission to leave group " + group + ".");
                    return;
                }
                connection.groups().remove(group);
            }
            case "sendToGroup" -> {
                String group = group(message);
                if (!Permission.SEND_TO_GROUP.allowed(connection.roles(), group)) {
                    fail(connection, ackId, AckError.FORBIDDEN, "The connection has no permission to send to group " + group + ".");
                    return;
                }
                Payload payload = Payload.fromClient(message.path("dataType"), message.path("data"));
                boolean noEcho = message.path("noEcho").asBoolean(false);
                List<ClientConnection> members = connections.inGroup(connection.hub(), group).stream()
                        .filter(member -> !noEcho || member != connection).toList();
                connections.send(members, ServerFrames.groupMessage(group, connection.userId(), payload));
            }
            default -> {
                event(connection, message, ackId);
                return;
            }
        }
        succeed(connection, ackId);
    }

    /** A user event waits for the handler: its reply reaches the client before the ack. */
    private void event(ClientConnection connection, JsonNode message, Long ackId) {
        String event = message.path("event").asText("");
        if (event.isBlank()) {
            throw new IllegalArgumentException("event is required");
        }
        Payload payload = Payload.fromClient(message.path("dataType"), message.path("data"));
        connection.inOrder(() -> upstream.userEvent(connection, event, payload)).whenComplete((reply, failure) -> {
            if (failure != null) {
                LOG.warning("Web PubSub: event " + event + " from connection " + connection.id() + " failed: "
                        + Upstream.describe(failure));
                fail(connection, ackId, AckError.INTERNAL_SERVER_ERROR, "The event handler failed to handle event " + event + ".");
                return;
            }
            reply.ifPresent(answer -> connections.send(List.of(connection), ServerFrames.serverMessage(answer)));
            succeed(connection, ackId);
        });
    }

    private static String group(JsonNode message) {
        String group = message.path("group").isTextual() ? message.path("group").asText() : null;
        if (!Names.isGroup(group)) {
            throw new IllegalArgumentException("group must be a name of 1 to 1024 characters");
        }
        return group;
    }

    private static void succeed(ClientConnection connection, Long ackId) {
        if (ackId != null) {
            connection.sendControl(ServerFrames.ack(ackId));
        }
    }

    private static void fail(ClientConnection connection, Long ackId, AckError error, String message) {
        if (ackId != null) {
            connection.sendControl(ServerFrames.ack(ackId, error, message));
        }
    }
}
