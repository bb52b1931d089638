package ai.mozaiks.session;

import java.util.LinkedHashMap;
import java.util.Map;

/** An event's {@code data}, written as name-value pairs in the order the wire shows them. */
public final class EventData {
    private EventData() {
    }

    /** {@code data("agent", name, "content", text)}: a mutable map, so a caller may add optional fields. */
    public static Map<String, Object> data(Object... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("event data needs name-value pairs");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
