package ai.mozaiks.devhost.webpubsub;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A client's WebSocket upgrade request, read the way the client endpoint needs it. */
record UpgradeRequest(FullHttpRequest http, QueryStringDecoder uri) {
    private static final String HUBS_PATH = "/client/hubs/";
    /** The service's own query parameters, which the connect handler does not see. */
    private static final Set<String> SERVICE_QUERY = Set.of("access_token", "awps_connection_id", "awps_reconnection_token");

    static UpgradeRequest of(FullHttpRequest http) {
        return new UpgradeRequest(http, new QueryStringDecoder(http.uri()));
    }

    boolean isWebSocket() {
        return "websocket".equalsIgnoreCase(http.headers().get(HttpHeaderNames.UPGRADE));
    }

    /** From {@code /client/hubs/{hub}} or {@code /client/?hub={hub}}, as written. */
    String hub() {
        return uri.path().startsWith(HUBS_PATH) ? uri.path().substring(HUBS_PATH.length()) : param("hub");
    }

    String host() {
        return http.headers().get(HttpHeaderNames.HOST);
    }

    /** The subprotocols in {@code Sec-WebSocket-Protocol}, in the client's order of preference. */
    List<String> subprotocols() {
        List<String> offered = new ArrayList<>();
        for (String header : http.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            Arrays.stream(header.split(",")).map(String::strip).filter(value -> !value.isEmpty()).forEach(offered::add);
        }
        return offered;
    }

    String param(String name) {
        List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** From the query ({@code access_token}, what browsers can send) or else the bearer header. */
    String accessToken() {
        String query = param("access_token");
        if (query != null && !query.isEmpty()) {
            return query;
        }
        String authorization = http.headers().get(HttpHeaderNames.AUTHORIZATION);
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).strip() : null;
    }

    /** The query as the connect handler sees it. */
    Map<String, List<String>> clientQuery() {
        Map<String, List<String>> query = new LinkedHashMap<>(uri.parameters());
        SERVICE_QUERY.forEach(query::remove);
        return query;
    }

    /** The headers as the connect handler sees them: without the credentials. */
    Map<String, List<String>> clientHeaders() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        http.headers().forEach(header -> {
            if (!header.getKey().equalsIgnoreCase(HttpHeaderNames.AUTHORIZATION.toString())) {
                headers.computeIfAbsent(header.getKey(), name -> new ArrayList<>()).add(header.getValue());
            }
        });
        return headers;
    }
}
