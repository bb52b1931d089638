package ai.mozaiks.devhost.webpubsub;

import ai.mozaiks.devhost.emulators.Ports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A local stand-in for Azure Web PubSub, faithful for what the platform uses: the client endpoint
 * with the JSON and reliable JSON subprotocols, the data-plane REST API, and upstream CloudEvents
 * to the hubs' event handlers. One loopback port serves both, so the service's usual connection
 * string works for the server SDK and the client URLs it mints alike.
 */
public final class WebPubSubEmulator implements AutoCloseable {
    /** REST bodies (messages) up to the service's 1 MiB, plus headroom for the request itself. */
    private static final int MAX_REQUEST_BYTES = 1024 * 1024 + 64 * 1024;

    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final Channel server;
    private final EmulatorOptions options;
    private final int port;

    private WebPubSubEmulator(EventLoopGroup acceptor, EventLoopGroup workers, Channel server, EmulatorOptions options, int port) {
        this.acceptor = acceptor;
        this.workers = workers;
        this.server = server;
        this.options = options;
        this.port = port;
    }

    /** Listens on 127.0.0.1 at the options' port; a taken port is an {@link IllegalStateException} that says so. */
    public static WebPubSubEmulator start(EmulatorOptions options) throws InterruptedException {
        EventLoopGroup acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("webpubsub-accept", true));
        EventLoopGroup workers = new NioEventLoopGroup(2, new DefaultThreadFactory("webpubsub-io", true));
        Clock clock = Clock.systemUTC();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        Upstream upstream = new Upstream(options, http, clock);
        Connections connections = new Connections(upstream, options.recoveryWindow());
        AccessKeyTokens tokens = new AccessKeyTokens(options.accessKeys(), clock);
        ClientEndpoint clients = new ClientEndpoint(tokens, connections, upstream, new ClientRequests(connections, upstream));
        RestApi api = new RestApi(tokens, connections);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast("router", new HttpRouter(clients, api));
                    }
                });
        try {
            Channel server = bootstrap.bind(Ports.LOOPBACK, options.port()).sync().channel();
            return new WebPubSubEmulator(acceptor, workers, server, options, ((InetSocketAddress) server.localAddress()).getPort());
        } catch (RuntimeException | InterruptedException e) {
            shutDown(acceptor, workers);
            throw e;
        } catch (Exception e) {
            // Netty rethrows a bind failure as it is, checked or not.
            shutDown(acceptor, workers);
            throw new IllegalStateException(e instanceof BindException
                    ? "port " + options.port() + " on " + Ports.LOOPBACK
                            + " is already in use, so the Web PubSub emulator cannot listen there"
                    : "the Web PubSub emulator cannot listen on " + Ports.LOOPBACK + ":" + options.port() + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code Endpoint=http://localhost:<port>;AccessKey=<primary key>;Version=1.0;} */
    public String connectionString() {
        return "Endpoint=http://localhost:" + port + ";AccessKey=" + options.primaryKey() + ";Version=1.0;";
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        shutDown(acceptor, workers);
    }

    private static void shutDown(EventLoopGroup acceptor, EventLoopGroup workers) {
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
