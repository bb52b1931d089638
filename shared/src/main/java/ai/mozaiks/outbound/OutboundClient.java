package ai.mozaiks.outbound;

import ai.mozaiks.outbound.OutboundException.Reason;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.NetUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * The one way the platform calls URLs that tenants chose (HTTP tools, apps' identity providers). Each request
 * resolves its host once, refuses it when any address is in a refused range ({@link AddressRanges}), and then
 * connects to exactly the first vetted address: the connection's name resolution is pinned to it, so a DNS
 * answer that changes in between (rebinding) changes nothing. The host name still drives the {@code Host}
 * header, TLS SNI and the certificate's hostname check.
 *
 * <p>Deadlines bound connecting, the wait for the answer (and any silence while reading it), and the whole
 * exchange, body included; a body larger than the limit is not read to the end. Redirects are never followed
 * (the 3xx comes back to the caller), nothing is compressed, no proxy is used, and connections are not
 * pooled, so no request reuses a connection another one opened.
 */
public final class OutboundClient {

    /** {@code body} null sends none. */
    public record Request(String method, URI uri, Map<String, String> headers, byte[] body) {}

    public record Response(int status, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * What one kind of request may do.
     *
     * @param privateNetworks whether the {@linkplain AddressRanges.Range#local() local} ranges are open
     * @param connectTimeout  to open the connection (and finish TLS)
     * @param answerTimeout   from the request sent to the first byte of the answer, and between reads
     * @param totalTimeout    for everything: resolution, connection, request, the whole answer
     * @param maxBytes        the largest answer body read
     */
    public record Rules(boolean privateNetworks, Duration connectTimeout, Duration answerTimeout, Duration totalTimeout,
                       int maxBytes) {}

    private final HostResolver resolver;
    private final HttpClient http;
    private final SslContext tls;

    public OutboundClient(HostResolver resolver) {
        this(resolver, null);
    }

    /** {@code tls} replaces the JDK's default trust (tests); null keeps it. */
    OutboundClient(HostResolver resolver, SslContext tls) {
        this.resolver = resolver;
        this.tls = tls;
        this.http = HttpClient.create(ConnectionProvider.newConnection()).followRedirect(false).compress(false);
        // Event loops and TLS set up now, at start-up, rather than inside the first call's deadline.
        http.warmup().block();
    }

    /** The answer, whatever its status; fails with {@link OutboundException}. */
    public Mono<Response> send(Request request, Rules rules) {
        // Resolving blocks, so it runs off the event loop; the overall deadline covers it too.
        return Mono.fromCallable(() -> vetted(request.uri(), rules.privateNetworks()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(address -> exchange(request, rules, address))
                .timeout(rules.totalTimeout())
                .onErrorMap(error -> !(error instanceof OutboundException), OutboundClient::failure);
    }

    private InetAddress vetted(URI uri, boolean privateNetworks) {
        String host = uri.getHost();
        if (host == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new OutboundException(Reason.BAD_URL, uri + " is not an http(s) URL with a host");
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(bare);
        try {
            addresses = literal != null ? new InetAddress[] {literal} : resolver.resolve(bare);
        } catch (UnknownHostException e) {
            addresses = new InetAddress[0];
        }
        if (addresses == null || addresses.length == 0) {
            throw new OutboundException(Reason.UNKNOWN_HOST, "the host " + host + " is unknown");
        }
        for (InetAddress address : addresses) {
            AddressRanges.refusal(address, privateNetworks).ifPresent(range -> {
                throw new OutboundException(Reason.REFUSED, "the host " + host + " resolves to " + range.name(), range, null);
            });
        }
        return addresses[0];
    }

    private Mono<Response> exchange(Request request, Rules rules, InetAddress address) {
        HttpClient client = http.resolver(new PinnedResolverGroup(address))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) rules.connectTimeout().toMillis())
                .responseTimeout(rules.answerTimeout())
                .headers(headers -> request.headers().forEach(headers::set));
        if ("https".equals(request.uri().getScheme())) {
            client = tls == null ? client.secure() : client.secure(spec -> spec.sslContext(tls));
        }
        HttpClient.RequestSender sender = client.request(HttpMethod.valueOf(request.method())).uri(request.uri());
        HttpClient.ResponseReceiver<?> receiver = request.body() == null ? sender
                : sender.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(request.body())));
        return receiver.response((head, content) -> read(head, content, rules.maxBytes())).single();
    }

    private static Mono<Response> read(HttpClientResponse head, ByteBufFlux content, int maxBytes) {
        String declared = head.responseHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (declared != null && declared.length() > 0 && isLargerThan(declared, maxBytes)) {
            return Mono.error(tooLarge(maxBytes));
        }
        return content.asByteArray()
                .reduceWith(ByteArrayOutputStream::new, (bytes, chunk) -> {
                    if (bytes.size() + chunk.length > maxBytes) {
                        throw tooLarge(maxBytes);
                    }
                    bytes.write(chunk, 0, chunk.length);
                    return bytes;
                })
                .map(bytes -> new Response(head.status().code(), bytes.toByteArray()));
    }

    private static boolean isLargerThan(String contentLength, int maxBytes) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBytes;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static OutboundException tooLarge(int maxBytes) {
        return new OutboundException(Reason.TOO_LARGE, "the answer is larger than " + maxBytes + " bytes");
    }

    private static OutboundException failure(Throwable error) {
        if (error instanceof TimeoutException || error instanceof ReadTimeoutException || error instanceof ConnectTimeoutException) {
            return new OutboundException(Reason.TIMEOUT, "no complete answer in time", null, error);
        }
        return new OutboundException(Reason.FAILED, "the request failed (" + error.getClass().getSimpleName() + ")", null, error);
    }
}
