package ai.mozaiks.session;

import com.mongodb.client.model.PushOptions;
import com.mongodb.client.model.Updates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The update that turns a chat's stored {@code conversation} into the one a step commits, writing only what changed: the
 * messages the step added are pushed (the window kept with {@code $slice}) and the other fields set one by one when they
 * differ, instead of the whole conversation again — it grows with the chat, and a request-unit database bills the bytes a
 * write carries. The step's lease guarantees the stored conversation is the one its claim read (nothing else changes a
 * running chat's conversation), and whatever cannot be told apart exactly is set whole.
 */
final class ConversationDelta {
    static final String MESSAGES = "messages";

    private ConversationDelta() {
    }

    /** The updates of {@code field} from {@code before} (as claimed; null when the chat had none) to {@code after}. */
    static List<Bson> updates(String field, Document before, Document after) {
        if (before == null || !(before.get(MESSAGES) instanceof List<?>) || !(after.get(MESSAGES) instanceof List<?>)) {
            return List.of(Updates.set(field, after));
        }
        List<Bson> updates = new ArrayList<>();
        List<?> stored = (List<?>) before.get(MESSAGES);
        List<?> next = (List<?>) after.get(MESSAGES);
        int common = common(stored, next);
        String messages = field + "." + MESSAGES;
        List<?> added = next.subList(common, next.size());
        if (common == 0 && !stored.isEmpty() || added.isEmpty() && common < stored.size()) {
            // Nothing of the stored list kept, or only dropped from it (not a step's shape): set whole.
            updates.add(Updates.set(messages, next));
        } else if (!added.isEmpty()) {
            updates.add(common < stored.size()
                    ? Updates.pushEach(messages, added, new PushOptions().slice(-next.size()))
                    : Updates.pushEach(messages, added));
        }
        for (Map.Entry<String, Object> entry : after.entrySet()) {
            if (!entry.getKey().equals(MESSAGES) && !Objects.equals(entry.getValue(), before.get(entry.getKey()))) {
                updates.add(Updates.set(field + "." + entry.getKey(), entry.getValue()));
            }
        }
        for (String key : before.keySet()) {
            if (!after.containsKey(key)) {
                updates.add(Updates.unset(field + "." + key));
            }
        }
        return updates;
    }

    /**
     * How many messages the new list starts with that end the stored one (the stored list after the window dropped some
     * from its front): the longest such run, 0 when none.
     */
    private static int common(List<?> stored, List<?> next) {
        for (int dropped = 0; dropped < stored.size(); dropped++) {
            int common = stored.size() - dropped;
            if (common <= next.size() && stored.subList(dropped, stored.size()).equals(next.subList(0, common))) {
                return common;
            }
        }
        return 0;
    }
}
