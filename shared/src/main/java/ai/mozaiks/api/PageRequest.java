package ai.mozaiks.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code ?limit=&cursor=} of a list request. The cursor is the last key of the previous page,
 * encoded so clients treat it as opaque; keyset paging stays fast at any depth.
 */
public record PageRequest(int limit, String after) {

    public static PageRequest parse(String limit, String cursor) {
        Validation validation = new Validation();
        int parsedLimit = Page.DEFAULT_LIMIT;
        if (limit != null) {
            try {
                parsedLimit = Integer.parseInt(limit);
                validation.require(parsedLimit >= 1 && parsedLimit <= Page.MAX_LIMIT, "limit", "must be from 1 to " + Page.MAX_LIMIT);
            } catch (NumberFormatException e) {
                validation.error("limit", "must be a whole number");
            }
        }
        String after = null;
        if (cursor != null && !cursor.isEmpty()) {
            try {
                after = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                validation.error("cursor", "is not a cursor this API returned");
            }
        }
        validation.check();
        return new PageRequest(parsedLimit, after);
    }

    public static String cursor(String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
    }
}
