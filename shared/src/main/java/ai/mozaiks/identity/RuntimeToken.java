package ai.mozaiks.identity;

import ai.mozaiks.kernel.AppId;
import java.time.Instant;

/** What a runtime token grants: one user, in one app, on one chat, until it expires. */
public record RuntimeToken(AppId appId, String userId, String chatId, Instant expiresAt) {
}
