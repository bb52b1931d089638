package ai.mozaiks.api;

import java.util.List;

/** One page of a list and the opaque cursor of the next one (null on the last page). */
public record Page<T>(List<T> items, String nextCursor) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    public Page {
        items = List.copyOf(items);
    }
}
