package ai.mozaiks.devhost.webpubsub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The data-plane REST API ({@code /api/hubs/{hub}/...}, any api-version) as the Java server SDK
 * calls it: sends, group and user membership, permissions, closing, existence checks and
 * {@code :generateToken}, each behind an access-key bearer token whose {@code aud} is the request
 * URL (with or without its query). OData {@code filter}s are not evaluated: requests that carry one
 * are answered 501 rather than sent to the wrong connections.
 */
final class RestApi {
    private static final String DEFAULT_CLOSE_REASON = "The connection was closed by the service.";
    private static final int MAX_TTL_SECONDS = 300;

    /** One API call: its hub, path segments after the hub, and query. */
    private record Call(ChannelHandlerContext ctx, FullHttpRequest request, String hub, List<String> path,
                        Map<String, List<String>> query) {
        String segment(int index) {
            return path.get(index);
        }

        String param(String name) {
            List<String> values = query.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        List<String> params(String name) {
            return query.getOrDefault(name, List.of());
        }
    }

    private final AccessKeyTokens tokens;
    private final Connections connections;
    /** By path shape (variable segments as {@code *}), then by method. */
    private final Map<String, Map<HttpMethod, Consumer<Call>>> routes = new HashMap<>();

    RestApi(AccessKeyTokens tokens, Connections connections) {
        this.tokens = tokens;
        this.connections = connections;
        route(HttpMethod.POST, ":send", call -> send(call, except(connections.inHub(call.hub()), call), null));
        route(HttpMethod.POST, ":closeConnections", call -> close(call, except(connections.inHub(call.hub()), call)));
        route(HttpMethod.POST, ":generateToken", this::generateToken);
        route(HttpMethod.POST, ":addToGroups", RestApi::filterNotSupported);
        route(HttpMethod.POST, ":removeFromGroups", RestApi::filterNotSupported);
        route(HttpMethod.HEAD, "connections/*", call -> exists(call, connection(call).isPresent()));
        route(HttpMethod.DELETE, "connections/*", call -> close(call, connection(call).stream().toList()));
        route(HttpMethod.POST, "connections/*/:send", call -> send(call, connection(call).stream().toList(), null));
        route(HttpMethod.DELETE, "connections/*/groups", call -> {
            connection(call).ifPresent(connection -> connection.groups().clear());
            HttpResponses.empty(call.ctx(), call.request(), HttpResponseStatus.NO_CONTENT);
        });
        route(HttpMethod.HEAD, "groups/*", call -> exists(call, !connections.inGroup(call.hub(), group(call, 1)).isEmpty()));
        route(HttpMethod.POST, "groups/*/:send", call -> {
            String group = group(call, 1);
            send(call, except(connections.inGroup(call.hub(), group), call), group);
        });
        route(HttpMethod.POST, "groups/*/:closeConnections",
                call -> close(call, except(connections.inGroup(call.hub(), group(call, 1)), call)));
        route(HttpMethod.PUT, "groups/*/connections/*", this::addConnectionToGroup);
        route(HttpMethod.DELETE, "groups/*/connections/*", call -> {
            String group = group(call, 1);
            connections.find(call.hub(), call.segment(3)).ifPresent(connection -> connection.groups().remove(group));
            HttpResponses.empty(call.ctx(), call.request(), HttpResponseStatus.NO_CONTENT);
        });
        route(HttpMethod.HEAD, "users/*", call -> exists(call, !user(call).isEmpty()));
        route(HttpMethod.POST, "users/*/:send", call -> send(call, user(call), null));
        route(HttpMethod.POST, "users/*/:closeConnections", call -> close(call, except(user(call), call)));
        route(HttpMethod.DELETE, "users/*/groups", call -> {
            user(call).forEach(connection -> connection.groups().clear());
            HttpResponses.empty(call.ctx(), call.request(), HttpResponseStatus.NO_CONTENT);
        });
        route(HttpMethod.PUT, "users/*/groups/*", call -> {
            String group = group(call, 3);
            user(call).forEach(connection -> connection.groups().add(group));
            HttpResponses.empty(call.ctx(), call.request(), HttpResponseStatus.OK);
        });
        route(HttpMethod.DELETE, "users/*/groups/*", call -> {
            String group = group(call, 3);
            user(call).forEach(connection -> connection.groups().remove(group));
            HttpResponses.empty(call.ctx(), call.request(), HttpResponseStatus.NO_CONTENT);
        });
        route(HttpMethod.PUT, "permissions/*/connections/*", call -> permission(call, (roles, role) -> roles.add(role)));
        route(HttpMethod.DELETE, "permissions/*/connections/*", call -> permission(call, (roles, role) -> roles.remove(role)));
        route(HttpMethod.HEAD, "permissions/*/connections/*", this::checkPermission);
    }

    void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        if (uri.path().equals("/api/health")) {
            HttpResponses.empty(ctx, request, HttpResponseStatus.OK);
            return;
        }
        List<String> segments = segments(uri.rawPath());
        if (segments.size() < 4 || !segments.get(0).equals("api") || !segments.get(1).equals("hubs")) {
            HttpResponses.error(ctx, request, HttpResponseStatus.NOT_FOUND, "No API at " + uri.path() + ".");
            return;
        }
        String bearer = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (bearer == null || !bearer.regionMatches(true, 0, "Bearer ", 0, 7)) {
            HttpResponses.error(ctx, request, HttpResponseStatus.UNAUTHORIZED, "A bearer token signed with an access key is required.");
            return;
        }
        ServiceUrls urls = ServiceUrls.of(ctx.channel());
        try {
            tokens.verify(bearer.substring(7).strip(),
                    urls.requestAudiences(request.headers().get(HttpHeaderNames.HOST), uri.rawPath(), uri.rawQuery()));
        } catch (AccessKeyTokens.Rejected e) {
            HttpResponses.error(ctx, request, HttpResponseStatus.UNAUTHORIZED, "Invalid bearer token: " + e.getMessage());
            return;
        }
        if (!Names.isHub(segments.get(2))) {
            HttpResponses.error(ctx, request, HttpResponseStatus.BAD_REQUEST, "Invalid hub name: " + segments.get(2));
            return;
        }
        List<String> path = segments.subList(3, segments.size());
        Map<HttpMethod, Consumer<Call>> methods = routes.get(shape(path));
        if (methods == null) {
            HttpResponses.error(ctx, request, HttpResponseStatus.NOT_FOUND, "No API at " + uri.path() + ".");
            return;
        }
        Consumer<Call> operation = methods.get(request.method());
        if (operation == null) {
            HttpResponses.error(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED,
                    request.method() + " is not allowed on " + uri.path() + "; allowed: " + methods.keySet() + ".");
            return;
        }
        try {
            operation.accept(new Call(ctx, request, Names.hub(segments.get(2)), path, uri.parameters()));
        } catch (IllegalArgumentException e) {
            HttpResponses.error(ctx, request, HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
    }

    private void route(HttpMethod method, String shape, Consumer<Call> operation) {
        routes.computeIfAbsent(shape, key -> new HashMap<>()).put(method, operation);
    }

    /** A server message to each target, or a group message when {@code group} is given. */
    private void send(Call call, List<ClientConnection> targets, String group) {
        if (call.param("filter") != null) {
            filterNotSupported(call);
            return;
        }
        String ttl = call.param("messageTtlSeconds");
        if (ttl != null && (!ttl.matches("\\d{1,3}") || Integer.parseInt(ttl) > MAX_TTL_SECONDS)) {
            throw new IllegalArgumentException("messageTtlSeconds must be 0 to " + MAX_TTL_SECONDS + ", not " + ttl);
        }
        Payload payload = Payload.fromHttp(call.request().headers().get(HttpHeaderNames.CONTENT_TYPE),
                ByteBufUtil.getBytes(call.request().content()));
        ObjectNode message = group == null ? ServerFrames.serverMessage(payload) : ServerFrames.groupMessage(group, null, payload);
        connections.send(targets, message);
        HttpResponses.empty(call.ctx(), call.request(), HttpResponseStatus.ACCEPTED);
    }

    private void close(Call call, List<ClientConnection> targets) {
        String reason = Optional.ofNullable(call.param("reason")).filter(value -> !value.isBlank()).orElse(DEFAULT_CLOSE_REASON);
        targets.forEach(connection -> connections.close(connection, reason));
        HttpResponses.empty(call.ctx(), call.request(), HttpResponseStatus.NO_CONTENT);
    }

    private void addConnectionToGroup(Call call) {
        String group = group(call, 1);
        Optional<ClientConnection> connection = connections.find(call.hub(), call.segment(3));
        if (connection.isEmpty()) {
            HttpResponses.error(call.ctx(), call.request(), HttpResponseStatus.NOT_FOUND, "No connection " + call.segment(3) + ".");
            return;
        }
        connection.get().groups().add(group);
        HttpResponses.empty(call.ctx(), call.request(), HttpResponseStatus.OK);
    }

    /** Grants or revokes a permission (for the group {@code targetName}, or for all groups). */
    private void permission(Call call, BiConsumer<Set<String>, String> change) {
        Permission permission = permission(call);
        Optional<ClientConnection> connection = connections.find(call.hub(), call.segment(3));
        if (connection.isEmpty() && call.request().method().equals(HttpMethod.PUT)) {
            HttpResponses.error(call.ctx(), call.request(), HttpResponseStatus.NOT_FOUND, "No connection " + call.segment(3) + ".");
            return;
        }
        connection.ifPresent(target -> change.accept(target.roles(), permission.role(call.param("targetName"))));
        HttpResponses.empty(call.ctx(), call.request(),
                call.request().method().equals(HttpMethod.PUT) ? HttpResponseStatus.OK : HttpResponseStatus.NO_CONTENT);
    }

    private void checkPermission(Call call) {
        Permission permission = permission(call);
        String group = call.param("targetName");
        exists(call, connections.find(call.hub(), call.segment(3))
                .filter(connection -> group == null ? connection.roles().contains(permission.role(null))
                        : permission.allowed(connection.roles(), group))
                .isPresent());
    }

    private void generateToken(Call call) {
        String clientType = call.param("clientType");
        if (clientType != null && !clientType.equalsIgnoreCase("Default")) {
            throw new IllegalArgumentException("the emulator makes tokens for clientType Default only, not " + clientType);
        }
        String minutes = Optional.ofNullable(call.param("minutesToExpire")).orElse("60");
        if (!minutes.matches("\\d{1,6}") || Integer.parseInt(minutes) < 1) {
            throw new IllegalArgumentException("minutesToExpire must be a whole number of minutes, not " + minutes);
        }
        List<String> groups = call.params("group");
        if (!groups.stream().allMatch(Names::isGroup)) {
            throw new IllegalArgumentException("a group name has 1 to 1024 characters");
        }
        String audience = ServiceUrls.of(call.ctx().channel()).endpoint() + "/client/hubs/" + call.hub();
        String token = tokens.mintClientToken(audience, call.param("userId"), call.params("role"), groups,
                Duration.ofMinutes(Integer.parseInt(minutes)));
        HttpResponses.json(call.ctx(), call.request(), HttpResponseStatus.OK, Map.of("token", token));
    }

    private Optional<ClientConnection> connection(Call call) {
        return connections.find(call.hub(), call.segment(1));
    }

    private List<ClientConnection> user(Call call) {
        return connections.ofUser(call.hub(), call.segment(1));
    }

    private static List<ClientConnection> except(Collection<ClientConnection> targets, Call call) {
        List<String> excluded = call.params("excluded");
        return targets.stream().filter(connection -> !excluded.contains(connection.id())).toList();
    }

    private static String group(Call call, int index) {
        String group = call.segment(index);
        if (!Names.isGroup(group)) {
            throw new IllegalArgumentException("a group name has 1 to 1024 characters");
        }
        return group;
    }

    private static Permission permission(Call call) {
        return Permission.named(call.segment(1)).orElseThrow(() -> new IllegalArgumentException(
                "permission must be joinLeaveGroup or sendToGroup, not " + call.segment(1)));
    }

    private static void exists(Call call, boolean found) {
        HttpResponses.empty(call.ctx(), call.request(), found ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND);
    }

    private static void filterNotSupported(Call call) {
        HttpResponses.error(call.ctx(), call.request(), HttpResponseStatus.NOT_IMPLEMENTED,
                "The emulator does not evaluate OData filters; address connections, groups or users instead.");
    }

    /** Decoded path segments; a {@code %2F} in a name stays inside its segment. */
    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.split("/")) {
            if (!raw.isEmpty()) {
                segments.add(QueryStringDecoder.decodeComponent(raw));
            }
        }
        return segments;
    }

    /** The path as routes are keyed: every second segment is a name, replaced by a star. */
    private static String shape(List<String> path) {
        List<String> shape = new ArrayList<>();
        for (int i = 0; i < path.size(); i++) {
            shape.add(i % 2 == 1 ? "*" : path.get(i));
        }
        return String.join("/", shape);
    }
}
