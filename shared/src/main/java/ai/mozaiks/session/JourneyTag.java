package ai.mozaiks.session;

import java.util.Objects;
import org.bson.Document;

/**
 * Where a chat stands in a journey: which journey ({@code key}, from the pack graph), which run of it
 * ({@code id}, shared by every chat of that run) and which step ({@code step}, 0 first).
 */
public record JourneyTag(String key, String id, int step) {
    private static final String KEY = "key";
    private static final String ID = "id";
    private static final String STEP = "step";

    public JourneyTag {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(id, "id");
    }

    public Document toDocument() {
        return new Document(KEY, key).append(ID, id).append(STEP, step);
    }

    public static JourneyTag from(Document journey) {
        return new JourneyTag(journey.getString(KEY), journey.getString(ID), ((Number) journey.get(STEP)).intValue());
    }
}
