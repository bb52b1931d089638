package ai.mozaiks.session;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A stored event: its per-chat {@code seq}, {@code chat.<kind>} type, data, time and caller key. */
public record ChatEvent(long seq, String type, Map<String, Object> data, Instant timestamp, String key) {

    /** The outbound envelope, {@code {type, data, seq, timestamp}}, as the client receives it. */
    public Map<String, Object> envelope() {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("type", type);
        envelope.put("data", data);
        envelope.put("seq", seq);
        envelope.put("timestamp", timestamp.toString());
        return envelope;
    }
}
