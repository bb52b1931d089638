package ai.mozaiks.realtime;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.identity.RuntimeToken;
import ai.mozaiks.config.RealtimeSettings;
import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import ai.mozaiks.kernel.AppId;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Trust in the calls Azure Web PubSub makes to the upstream handler, and the chat a connection belongs to.
 *
 * <ul>
 *   <li><b>Origin.</b> The abuse-protection handshake is answered for the service's own host only.</li>
 *   <li><b>Signature.</b> {@code ce-signature} holds {@code sha256=<hex HMAC-SHA256(access key, connection id)>} per
 *       access key; one matching entry for any configured key is enough (keys rotate one at a time). Compared in
 *       constant time.</li>
 *   <li><b>Chat.</b> A client URL from the session broker lets its user into exactly one chat's group
 *       ({@link ClientAccess#group}); at {@code connect} that group and the user become the connection's state
 *       ({@code ce-connectionState}), which the service sends back with every later event of the connection. The
 *       client never sees or sets it, and the signature vouches for the request that carries it.</li>
 * </ul>
 */
public final class UpstreamAuth {
    private static final String SIGNATURE_PREFIX = "sha256=";

    private final List<byte[]> keys;
    private final String serviceHost;

    public UpstreamAuth(RealtimeSettings settings) {
        this.keys = settings.upstreamKeys().stream().map(key -> key.getBytes(StandardCharsets.UTF_8)).toList();
        this.serviceHost = settings.serviceHost();
    }

    /** The {@code WebHook-Allowed-Origin} to answer, when the request comes from the configured service. */
    public Optional<String> allowedOrigin(String requestOrigin) {
        return requestOrigin != null && serviceHost != null && requestOrigin.strip().equalsIgnoreCase(serviceHost)
                ? Optional.of(serviceHost) : Optional.empty();
    }

    /** @throws ApiException 401 unless one entry of the header is the HMAC of the connection id with a configured key */
    public void verify(String connectionId, String signatureHeader) {
        if (connectionId == null || signatureHeader == null || keys.isEmpty()) {
            throw unsigned();
        }
        byte[] message = connectionId.getBytes(StandardCharsets.UTF_8);
        boolean valid = false;
        for (String entry : signatureHeader.split(",")) {
            String value = entry.strip().toLowerCase(Locale.ROOT);
            if (!value.startsWith(SIGNATURE_PREFIX)) {
                continue;
            }
            byte[] given = value.substring(SIGNATURE_PREFIX.length()).getBytes(StandardCharsets.US_ASCII);
            for (byte[] key : keys) {
                // No early exit: every entry is compared against every key.
                valid |= MessageDigest.isEqual(given, HexFormat.of().formatHex(hmac(key, message)).getBytes(StandardCharsets.US_ASCII));
            }
        }
        if (!valid) {
            throw unsigned();
        }
    }

    /**
     * The chat a connecting client may use, from the {@code connect} event's claims: the one chat group its token
     * joins, {@code <app_id>.<chat_id>} (besides, at most, that app's own group, {@link ClientAccess#appGroup}), and its
     * user id.
     *
     * @throws ApiException 403 when the token was not minted for one chat (such a connection is refused)
     */
    public RuntimeToken chatOfConnect(String userId, JsonNode connectBody) {
        JsonNode groups = connectBody == null ? null : connectBody.path("claims").path("webpubsub.group");
        List<String> named = groups == null || groups.isMissingNode() ? List.of()
                : groups.isArray() ? java.util.stream.StreamSupport.stream(groups.spliterator(), false).map(JsonNode::asText).toList()
                : List.of(groups.asText());
        List<String> chats = named.stream().filter(name -> name.indexOf('.') > 0).toList();
        String group = chats.size() == 1 ? chats.get(0) : "";
        int dot = group.lastIndexOf('.');
        boolean onlyItsApp = dot > 0 && named.stream().allMatch(name -> name.equals(group)
                || name.equals(ClientAccess.appGroup(group.substring(0, dot))));
        if (userId != null && !userId.isBlank() && onlyItsApp && dot < group.length() - 1 && named.size() <= 2) {
            try {
                return new RuntimeToken(AppId.of(group.substring(0, dot)), userId, group.substring(dot + 1), null);
            } catch (IllegalArgumentException notAnApp) {
                // refused below
            }
        }
        throw ApiException.forbidden("A connection needs a client URL from the session broker, for one chat.");
    }

    /** The connection state that names the chat: base64 of {@code {app_id, chat_id, user_id}}. */
    public static String state(RuntimeToken chat) {
        ObjectNode state = Json.mapper().createObjectNode().put("app_id", chat.appId().value()).put("chat_id", chat.chatId())
                .put("user_id", chat.userId());
        return Base64.getEncoder().encodeToString(Json.write(state).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ApiException 400 when the event carries no chat: the connection did not come through {@code connect} */
    public static RuntimeToken chatOf(String stateHeader) {
        try {
            JsonNode state = Json.read(new String(Base64.getDecoder().decode(stateHeader == null ? "" : stateHeader),
                    StandardCharsets.UTF_8));
            if (state != null && state.path("app_id").isTextual() && state.path("chat_id").isTextual() && state.path("user_id").isTextual()) {
                return new RuntimeToken(AppId.of(state.path("app_id").asText()), state.path("user_id").asText(),
                        state.path("chat_id").asText(), null);
            }
        } catch (IllegalArgumentException malformed) {
            // reported below
        }
        throw new ApiException(Problem.of(400, "no_chat", "Bad request", "The connection carries no chat; connect again."));
    }

    private static ApiException unsigned() {
        return new ApiException(Problem.of(401, "invalid_signature", "Unauthenticated",
                "The request is not signed by the configured Web PubSub service."));
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
