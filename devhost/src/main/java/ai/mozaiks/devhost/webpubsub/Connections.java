package ai.mozaiks.devhost.webpubsub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Every logical connection of every hub, and the rules that end one: a clean close, a service-side
 * close, an overflowing replay buffer, or a reliable connection not recovered within the window.
 * Each end is reported upstream ({@code disconnected}) exactly once.
 */
final class Connections {
    /** A WebSocket close that tells a reliable client not to try recovering. */
    static final int POLICY_VIOLATION = 1008;
    private static final int NORMAL_CLOSURE = 1000;

    private final Map<String, ClientConnection> byId = new ConcurrentHashMap<>();
    private final Upstream upstream;
    private final Duration recoveryWindow;

    Connections(Upstream upstream, Duration recoveryWindow) {
        this.upstream = upstream;
        this.recoveryWindow = recoveryWindow;
    }

    void add(ClientConnection connection) {
        byId.put(connection.id(), connection);
    }

    /** The socket is open and the client was told it is connected: tell the event handler too. */
    void opened(ClientConnection connection) {
        connection.connectedNotice(upstream.connected(connection));
    }

    Optional<ClientConnection> find(String hub, String connectionId) {
        return Optional.ofNullable(byId.get(connectionId)).filter(connection -> connection.hub().equals(hub));
    }

    List<ClientConnection> inHub(String hub) {
        return matching(hub, connection -> true);
    }

    List<ClientConnection> inGroup(String hub, String group) {
        return matching(hub, connection -> connection.groups().contains(group));
    }

    List<ClientConnection> ofUser(String hub, String userId) {
        return matching(hub, connection -> userId.equals(connection.userId()));
    }

    /** Sends a data message to each connection; one whose replay buffer overflows is closed. */
    void send(Collection<ClientConnection> connections, ObjectNode message) {
        for (ClientConnection connection : connections) {
            if (!connection.sendData(message)) {
                close(connection, "The reliable message buffer is full.", POLICY_VIOLATION);
            }
        }
    }

    /** A service-side close (REST API): the client may not recover. */
    void close(ClientConnection connection, String reason) {
        close(connection, reason, NORMAL_CLOSURE);
    }

    /** A socket of the connection closed; {@code clean} when the client closed it normally. */
    void socketClosed(ClientConnection connection, Channel socket, boolean clean) {
        switch (connection.detach(socket, clean)) {
            case ENDED -> ended(connection, clean ? "The client closed the connection." : "The connection dropped.");
            case RECOVERABLE -> {
                long detachedAt = connection.generation();
                socket.eventLoop().schedule(() -> {
                    if (connection.expire(detachedAt)) {
                        ended(connection, "The connection was not recovered within " + recoveryWindow.toSeconds() + " s.");
                    }
                }, recoveryWindow.toMillis(), TimeUnit.MILLISECONDS);
            }
            case IGNORED -> {
                // replaced by a recovered socket, or ended already
            }
        }
    }

    private void close(ClientConnection connection, String reason, int closeCode) {
        if (connection.close(reason, closeCode)) {
            ended(connection, reason);
        }
    }

    private void ended(ClientConnection connection, String reason) {
        byId.remove(connection.id(), connection);
        connection.connectedNotice().whenComplete((ignored, failure) -> upstream.disconnected(connection, reason));
    }

    private List<ClientConnection> matching(String hub, Predicate<ClientConnection> test) {
        return byId.values().stream().filter(connection -> connection.hub().equals(hub)).filter(test).toList();
    }
}
