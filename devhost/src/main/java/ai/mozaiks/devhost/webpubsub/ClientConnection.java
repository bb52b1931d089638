package ai.mozaiks.devhost.webpubsub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One logical client connection: who it is, its groups and roles, and its current WebSocket, which
 * a reliable connection may lose and regain (recovery) without losing a message. Writes happen
 * under the connection's lock, so sequence ids and socket order agree whichever thread sends.
 */
final class ClientConnection {
    /** ackIds are remembered to answer a resent request with Duplicate; the client's ids only grow. */
    private static final int REMEMBERED_ACK_IDS = 10_000;
    /** A WebSocket close reason is at most 123 bytes. */
    private static final int MAX_CLOSE_REASON = 120;

    /** What losing a socket means for the connection. */
    enum Detach { IGNORED, ENDED, RECOVERABLE }

    private final String id;
    private final String hub;
    private final String userId;
    private final String subprotocol;
    private final String reconnectionToken;
    private final Set<String> groups = ConcurrentHashMap.newKeySet();
    private final Set<String> roles = ConcurrentHashMap.newKeySet();
    private volatile String state;
    private volatile CompletableFuture<Void> connectedNotice = CompletableFuture.completedFuture(null);
    /** The last user event sent upstream: the next waits for it, so the handler sees them in the order sent. */
    private CompletableFuture<?> lastEvent = CompletableFuture.completedFuture(null);

    private final ReplayBuffer replay;
    private final Set<Long> ackIds = new LinkedHashSet<>();
    private Channel channel;
    private long generation;
    private boolean closed;

    ClientConnection(String id, String hub, String userId, String subprotocol, String reconnectionToken,
                     Collection<String> roles, Collection<String> groups, String state) {
        this.id = id;
        this.hub = hub;
        this.userId = userId;
        this.subprotocol = subprotocol;
        this.reconnectionToken = reconnectionToken;
        this.roles.addAll(roles);
        this.groups.addAll(groups);
        this.state = state;
        this.replay = ClientEndpoint.RELIABLE.equals(subprotocol) ? new ReplayBuffer() : null;
    }

    String id() {
        return id;
    }

    String hub() {
        return hub;
    }

    String userId() {
        return userId;
    }

    String subprotocol() {
        return subprotocol;
    }

    boolean reliable() {
        return replay != null;
    }

    /** Null unless reliable: only the reliable subprotocol can recover. */
    String reconnectionToken() {
        return reliable() ? reconnectionToken : null;
    }

    Set<String> groups() {
        return groups;
    }

    Set<String> roles() {
        return roles;
    }

    /** The {@code ce-connectionState} an event handler last set, sent with every later event. */
    String state() {
        return state;
    }

    void state(String newState) {
        if (newState != null) {
            state = newState;
        }
    }

    /** The upstream {@code connected} event; {@code disconnected} waits for it so they arrive in order. */
    CompletableFuture<Void> connectedNotice() {
        return connectedNotice;
    }

    void connectedNotice(CompletableFuture<Void> notice) {
        connectedNotice = notice;
    }

    synchronized boolean canRecoverWith(String token) {
        return reliable() && !closed && reconnectionToken.equals(token);
    }

    /**
     * Gives a new connection its socket, makes it visible to senders ({@code register}), then tells the
     * client it is connected. Senders wait for the lock, so nothing reaches the client before
     * {@code connected}, and nothing sent after the client has it is missed.
     */
    synchronized void open(Channel socket, Runnable register) {
        channel = socket;
        generation++;
        register.run();
        write(ServerFrames.connected(id, userId, reconnectionToken()));
    }

    /**
     * Makes {@code socket} the connection's socket after a recovery, replaying what the client has not
     * acknowledged ahead of anything sent later. A previous socket is closed. False once ended.
     */
    synchronized boolean recover(Channel socket) {
        if (closed) {
            return false;
        }
        Channel previous = channel;
        channel = socket;
        generation++;
        replay.unacknowledged().forEach(frame -> socket.write(new TextWebSocketFrame(frame)));
        socket.flush();
        if (previous != null) {
            previous.close();
        }
        return true;
    }

    /** Sends a data message, numbered and kept on reliable connections; false if that overflowed the buffer. */
    synchronized boolean sendData(ObjectNode message) {
        if (closed) {
            return true;
        }
        String frame = replay == null ? message.toString() : replay.add(message);
        if (frame == null) {
            return false;
        }
        write(frame);
        return true;
    }

    /** Sends an ack, pong or system message: never numbered, never replayed. */
    synchronized void sendControl(String frame) {
        if (!closed) {
            write(frame);
        }
    }

    synchronized void acknowledge(long sequenceId) {
        if (replay != null) {
            replay.acknowledge(sequenceId);
        }
    }

    /** True the first time an ackId is seen on this connection. */
    synchronized boolean firstUseOf(long ackId) {
        if (!ackIds.add(ackId)) {
            return false;
        }
        if (ackIds.size() > REMEMBERED_ACK_IDS) {
            Iterator<Long> oldest = ackIds.iterator();
            oldest.next();
            oldest.remove();
        }
        return true;
    }

    /**
     * The socket is gone. A clean close by the client, or any loss on a non-reliable connection, ends
     * the connection; a reliable one waits for recovery. A socket that was replaced changes nothing.
     */
    synchronized Detach detach(Channel socket, boolean cleanClose) {
        if (closed || channel != socket) {
            return Detach.IGNORED;
        }
        channel = null;
        generation++;
        if (cleanClose || replay == null) {
            closed = true;
            return Detach.ENDED;
        }
        return Detach.RECOVERABLE;
    }

    /** Identifies the current attachment, so a late recovery deadline can tell it is stale. */
    synchronized long generation() {
        return generation;
    }

    /** Ends a connection still waiting for recovery since {@code detachedAt}; false if it came back. */
    synchronized boolean expire(long detachedAt) {
        if (closed || channel != null || generation != detachedAt) {
            return false;
        }
        closed = true;
        return true;
    }

    /**
     * Ends the connection from the service's side: the client is told why ({@code system}
     * disconnected), then its socket is closed with {@code closeCode}. False if it had ended already.
     */
    synchronized boolean close(String reason, int closeCode) {
        if (closed) {
            return false;
        }
        closed = true;
        if (channel != null) {
            write(ServerFrames.disconnected(reason));
            Channel target = channel;
            target.eventLoop().execute(() -> target.writeAndFlush(new CloseWebSocketFrame(closeCode, closeReason(reason)))
                    .addListener(ChannelFutureListener.CLOSE));
            channel = null;
        }
        return true;
    }

    /** A reason that fits a close frame. */
    static String closeReason(String reason) {
        String fitting = reason;
        while (fitting.getBytes(StandardCharsets.UTF_8).length > MAX_CLOSE_REASON) {
            fitting = fitting.substring(0, fitting.length() - 1);
        }
        return fitting;
    }

    /**
     * Queues the frame on the socket's event loop, always: a write from that loop itself would go out at once,
     * ahead of frames other threads queued earlier (under this lock, so in sequence order).
     */
    private void write(String frame) {
        if (channel != null) {
            Channel target = channel;
            target.eventLoop().execute(() -> target.writeAndFlush(new TextWebSocketFrame(frame)));
        }
    }

    /** Runs {@code next} once this connection's previous user event was handled (or failed). */
    synchronized <T> CompletableFuture<T> inOrder(java.util.function.Supplier<CompletableFuture<T>> next) {
        CompletableFuture<T> result = lastEvent.handle((ignored, failure) -> null).thenCompose(ignored -> next.get());
        lastEvent = result;
        return result;
    }
}
