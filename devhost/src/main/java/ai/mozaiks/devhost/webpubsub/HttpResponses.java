package ai.mozaiks.devhost.webpubsub;

import ai.mozaiks.http.Json;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** HTTP answers of the emulator: errors are JSON {@code {"code", "message"}} as the service's are. */
final class HttpResponses {
    private HttpResponses() {
    }

    static void empty(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status) {
        send(ctx, request, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER));
    }

    static void json(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, Object body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(Json.write(body).getBytes(StandardCharsets.UTF_8)));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        send(ctx, request, response);
    }

    /** {@code code} is the status's reason phrase without spaces, e.g. {@code BadRequest}. */
    static void error(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String message) {
        json(ctx, request, status, Map.of("code", status.reasonPhrase().replace(" ", ""), "message", message));
    }

    private static void send(ChannelHandlerContext ctx, HttpRequest request, FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        // A refused WebSocket upgrade leaves the socket in no state for another request.
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !request.headers().contains(HttpHeaderNames.UPGRADE);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
