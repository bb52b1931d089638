package ai.mozaiks.devhost.webpubsub;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The frames of one client socket (Netty decodes and reassembles them). A close frame with 1000 or
 * no code is the client leaving, and a frame the protocol forbids ends the connection too; any other
 * end of the socket leaves a reliable connection waiting for recovery.
 */
final class ClientSocket extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger LOG = Logger.getLogger(ClientSocket.class.getName());
    private static final int NORMAL_CLOSURE = 1000;
    private static final int UNSUPPORTED_DATA = 1003;
    private static final int INVALID_PAYLOAD = 1007;

    private final ClientConnection connection;
    private final Connections connections;
    private final ClientRequests requests;
    private boolean endsConnection;

    ClientSocket(ClientConnection connection, Connections connections, ClientRequests requests) {
        this.connection = connection;
        this.connections = connections;
        this.requests = requests;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame text) {
            try {
                requests.handle(connection, text.text());
            } catch (IllegalArgumentException e) {
                close(ctx, INVALID_PAYLOAD, "Invalid message: " + e.getMessage());
            }
        } else if (frame instanceof BinaryWebSocketFrame) {
            close(ctx, UNSUPPORTED_DATA, "JSON subprotocols take text frames only.");
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame close) {
            int code = close.statusCode();
            endsConnection = code == NORMAL_CLOSURE || code == -1;
            ctx.writeAndFlush(close.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connections.socketClosed(connection, ctx.channel(), endsConnection);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "Web PubSub client socket of connection " + connection.id() + " failed", cause);
        ctx.close();
    }

    private void close(ChannelHandlerContext ctx, int code, String reason) {
        endsConnection = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(code, ClientConnection.closeReason(reason))).addListener(ChannelFutureListener.CLOSE);
    }
}
