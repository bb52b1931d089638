package ai.mozaiks.session;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.PageRequest;

/**
 * Where a page of a user's recent chats ended: the {@code updated_at} of the last chat shown and,
 * when the page ended inside a group of chats with that same time, that chat's id (the rest of
 * the group follows in descending id order). {@code chatId} is null when the whole group was shown.
 */
record RecentChatsCursor(long updatedAtMillis, String chatId) {

    /** The decoded {@code after} of a page request (base64 already undone by {@link PageRequest}). */
    static RecentChatsCursor parse(String after) {
        int colon = after.indexOf(':');
        try {
            if (colon < 0) {
                return new RecentChatsCursor(Long.parseLong(after), null);
            }
            if (colon > 0 && colon < after.length() - 1) {
                return new RecentChatsCursor(Long.parseLong(after.substring(0, colon)), after.substring(colon + 1));
            }
        } catch (NumberFormatException e) {
            // answered below, like any other cursor this API did not hand out
        }
        throw ApiException.invalid("cursor", "is not a cursor this API returned");
    }

    String encode() {
        return PageRequest.cursor(chatId == null ? Long.toString(updatedAtMillis) : updatedAtMillis + ":" + chatId);
    }
}
