package ai.mozaiks.devhost.webpubsub;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The first handler of every connection to the emulator's port: client WebSocket upgrades go to
 * the {@link ClientEndpoint}, everything else to the {@link RestApi}. An unexpected failure is a 500
 * with a short message, never a stack trace.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = Logger.getLogger(HttpRouter.class.getName());

    private final ClientEndpoint clients;
    private final RestApi api;

    HttpRouter(ClientEndpoint clients, RestApi api) {
        this.clients = clients;
        this.api = api;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            HttpResponses.error(ctx, request, HttpResponseStatus.BAD_REQUEST, "Malformed HTTP request.");
            return;
        }
        String path = request.uri().split("\\?", 2)[0];
        if (path.startsWith("/client/hubs/") || path.equals("/client") || path.equals("/client/")) {
            clients.upgrade(ctx, request.retain());
            return;
        }
        try {
            api.handle(ctx, request);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Web PubSub emulator: " + request.method() + " " + path + " failed", e);
            HttpResponses.error(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, "The emulator failed to handle the request.");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "Web PubSub emulator connection failed", cause);
        ctx.close();
    }
}
