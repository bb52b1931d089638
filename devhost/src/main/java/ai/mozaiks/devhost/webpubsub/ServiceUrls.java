package ai.mozaiks.devhost.webpubsub;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The URLs the emulator answers to, which tokens name as their audience: the endpoint of its
 * connection string ({@code http://localhost:<port>}), the same on 127.0.0.1, and whatever Host a
 * request came with (a client may reach the emulator through a proxy).
 */
record ServiceUrls(int port) {

    /** The URLs of the emulator a client reached through {@code channel}. */
    static ServiceUrls of(Channel channel) {
        return new ServiceUrls(((InetSocketAddress) channel.localAddress()).getPort());
    }

    String endpoint() {
        return "http://localhost:" + port;
    }

    /** A client token's audience: {@code <endpoint>/client/hubs/<hub>}. */
    Set<String> clientAudiences(String host, String hub) {
        Set<String> audiences = new LinkedHashSet<>();
        for (String base : bases(host)) {
            audiences.add(base + "/client/hubs/" + hub);
        }
        return audiences;
    }

    /** A REST token's audience: the request URL, with or without its query, as sent or decoded. */
    Set<String> requestAudiences(String host, String rawPath, String rawQuery) {
        Set<String> audiences = new LinkedHashSet<>();
        for (String base : bases(host)) {
            for (String url : rawQuery.isEmpty() ? List.of(base + rawPath) : List.of(base + rawPath + "?" + rawQuery, base + rawPath)) {
                audiences.add(url);
                audiences.add(URLDecoder.decode(url.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return audiences;
    }

    private List<String> bases(String host) {
        List<String> bases = List.of(endpoint(), "http://127.0.0.1:" + port);
        return host == null || host.isBlank() ? bases : List.of(bases.get(0), bases.get(1), "http://" + host);
    }
}
