package ai.mozaiks.session;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.kernel.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Chat ids: {@code chat_} and 24 hex digits. A start without a client request id gets a random
 * one. A start with one gets an id derived from (app, user, client request id), so the unique
 * {@code _id} index is the uniqueness of that triple: a retried start collides with the first and
 * finds it, in one insert, without a partial index (which the embedded server does not honour and
 * whose compound-sparse fallback would constrain chats that have no request id).
 */
public final class ChatIds {
    private static final int HEX_DIGITS = 24;

    private ChatIds() {
    }

    static String random() {
        return Ids.next("chat");
    }

    public static String forRequest(AppId appId, String userId, String clientRequestId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // NUL separators: no two different triples produce the same input.
            byte[] digest = sha.digest((appId.value() + '\0' + userId + '\0' + clientRequestId).getBytes(StandardCharsets.UTF_8));
            return "chat_" + HexFormat.of().formatHex(digest).substring(0, HEX_DIGITS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
