package ai.mozaiks.engine;

import ai.mozaiks.models.AssistantMessage;
import java.util.Map;

/** An agent's message and its {@code usage_delta} data (the recorded one when replayed). */
record Reply(AssistantMessage message, Map<String, Object> usage) {
}
