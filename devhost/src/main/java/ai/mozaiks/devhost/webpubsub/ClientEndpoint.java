package ai.mozaiks.devhost.webpubsub;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client endpoint {@code /client/hubs/{hub}} (or {@code /client/?hub=}). A new connection shows
 * an access token (query {@code access_token} or bearer header), is put to the hub's connect handler,
 * then gets its WebSocket with the JSON subprotocol it asked for echoed (browsers insist). A URL with
 * {@code awps_connection_id} recovers a reliable connection instead, whatever else it carries; one
 * that cannot be recovered is accepted and closed with 1008, as the service does.
 */
final class ClientEndpoint {
    static final String JSON = "json.webpubsub.azure.v1";
    static final String RELIABLE = "json.reliable.webpubsub.azure.v1";
    private static final List<String> SUBPROTOCOLS = List.of(JSON, RELIABLE);
    /** The service's limit for one message. */
    private static final int MAX_MESSAGE_BYTES = 1024 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOG = Logger.getLogger(ClientEndpoint.class.getName());

    private final AccessKeyTokens tokens;
    private final Connections connections;
    private final Upstream upstream;
    private final ClientRequests requests;

    ClientEndpoint(AccessKeyTokens tokens, Connections connections, Upstream upstream, ClientRequests requests) {
        this.tokens = tokens;
        this.connections = connections;
        this.upstream = upstream;
        this.requests = requests;
    }

    /** Answers the upgrade request, now or once the connect handler has; releases the request when done. */
    void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean pending = false;
        try {
            pending = start(ctx, request);
        } finally {
            if (!pending) {
                request.release();
            }
        }
    }

    private boolean start(ChannelHandlerContext ctx, FullHttpRequest http) {
        UpgradeRequest request = UpgradeRequest.of(http);
        if (!request.isWebSocket()) {
            HttpResponses.error(ctx, http, HttpResponseStatus.BAD_REQUEST, "The client endpoint takes WebSocket upgrades.");
            return false;
        }
        if (!Names.isHub(request.hub())) {
            HttpResponses.error(ctx, http, HttpResponseStatus.BAD_REQUEST, "Invalid hub name: " + request.hub());
            return false;
        }
        List<String> offered = request.subprotocols();
        Optional<String> subprotocol = offered.stream().filter(SUBPROTOCOLS::contains).findFirst();
        if (subprotocol.isEmpty()) {
            HttpResponses.error(ctx, http, HttpResponseStatus.BAD_REQUEST,
                    "The emulator serves the subprotocols " + String.join(" and ", SUBPROTOCOLS) + "; offered: " + offered);
            return false;
        }
        String hub = Names.hub(request.hub());
        String recovering = request.param("awps_connection_id");
        if (recovering != null) {
            recover(ctx, http, hub, subprotocol.get(), recovering, request.param("awps_reconnection_token"));
            return false;
        }
        String token = request.accessToken();
        if (token == null) {
            HttpResponses.error(ctx, http, HttpResponseStatus.UNAUTHORIZED,
                    "An access token is required (access_token or Authorization: Bearer).");
            return false;
        }
        ClientClaims claims;
        try {
            claims = ClientClaims.from(tokens.verify(token, ServiceUrls.of(ctx.channel()).clientAudiences(request.host(), hub)));
        } catch (AccessKeyTokens.Rejected e) {
            HttpResponses.error(ctx, http, HttpResponseStatus.UNAUTHORIZED, "Invalid access token: " + e.getMessage());
            return false;
        }
        if (!claims.groups().stream().allMatch(Names::isGroup)) {
            HttpResponses.error(ctx, http, HttpResponseStatus.BAD_REQUEST, "The token names an invalid group.");
            return false;
        }
        String connectionId = randomId(16);
        Upstream.ConnectRequest connect = new Upstream.ConnectRequest(hub, connectionId, claims, request.clientQuery(),
                request.clientHeaders(), offered);
        upstream.connect(connect).thenAcceptAsync(verdict -> {
            try {
                connect(ctx, http, connect, verdict, offered, subprotocol.get());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Web PubSub: opening connection " + connectionId + " failed", e);
                ctx.channel().close();
            } finally {
                http.release();
            }
        }, ctx.channel().eventLoop());
        return true;
    }

    /** The handler has answered: refuse the upgrade, or open the connection as the handler shaped it. */
    private void connect(ChannelHandlerContext ctx, FullHttpRequest request, Upstream.ConnectRequest connect,
                         Upstream.ConnectVerdict verdict, List<String> offered, String requested) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (!verdict.accepted()) {
            HttpResponses.error(ctx, request, HttpResponseStatus.valueOf(verdict.refusedStatus()),
                    "The event handler refused the connection.");
            return;
        }
        ClientClaims claims = connect.claims();
        String subprotocol = verdict.subprotocol() != null && offered.contains(verdict.subprotocol())
                && SUBPROTOCOLS.contains(verdict.subprotocol()) ? verdict.subprotocol() : requested;
        String userId = verdict.userId() == null ? claims.userId() : verdict.userId().isEmpty() ? null : verdict.userId();
        List<String> roles = verdict.roles() != null ? verdict.roles() : claims.roles();
        List<String> groups = verdict.groups() != null && !verdict.groups().isEmpty() ? verdict.groups() : claims.groups();
        ClientConnection connection = new ClientConnection(connect.connectionId(), connect.hub(), userId, subprotocol,
                randomId(32), roles, groups, verdict.state());
        handshake(ctx, request, subprotocol, connection, socket -> {
            connection.open(socket, () -> connections.add(connection));
            connections.opened(connection);
        }, () -> upstream.disconnected(connection, "The WebSocket handshake failed."));
    }

    private void recover(ChannelHandlerContext ctx, FullHttpRequest request, String hub, String subprotocol,
                         String connectionId, String reconnectionToken) {
        Optional<ClientConnection> found = connections.find(hub, connectionId)
                .filter(connection -> reconnectionToken != null && connection.canRecoverWith(reconnectionToken))
                .filter(connection -> connection.subprotocol().equals(subprotocol));
        if (found.isEmpty()) {
            handshake(ctx, request, subprotocol, null, ClientEndpoint::refuseRecovery, () -> { });
            return;
        }
        ClientConnection connection = found.get();
        handshake(ctx, request, subprotocol, connection, socket -> {
            if (!connection.recover(socket)) {
                refuseRecovery(socket);
            }
        }, () -> { });
    }

    /**
     * Completes the WebSocket handshake, leaving the socket to a {@link ClientSocket} for
     * {@code connection} (none when the socket is only to be refused).
     */
    private void handshake(ChannelHandlerContext ctx, FullHttpRequest request, String subprotocol, ClientConnection connection,
                           Consumer<Channel> opened, Runnable failed) {
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                "ws://" + request.headers().get(HttpHeaderNames.HOST) + request.uri(), subprotocol, false, MAX_MESSAGE_BYTES)
                .newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            failed.run();
            return;
        }
        Channel channel = ctx.channel();
        ChannelPipeline pipeline = ctx.pipeline();
        if (connection != null) {
            pipeline.addAfter(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(MAX_MESSAGE_BYTES));
            pipeline.addAfter("ws-aggregator", "ws-client", new ClientSocket(connection, connections, requests));
        }
        pipeline.remove(ctx.handler());
        handshaker.handshake(channel, request).addListener(done -> {
            if (done.isSuccess()) {
                opened.accept(channel);
            } else {
                channel.close();
                failed.run();
            }
        });
    }

    private static void refuseRecovery(Channel socket) {
        socket.writeAndFlush(new CloseWebSocketFrame(Connections.POLICY_VIOLATION, "The connection could not be recovered."))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private static String randomId(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
