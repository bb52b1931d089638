package ai.mozaiks.broker;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/** What the broker hands the browser: its chat, how to connect, and the token for the runtime's endpoints. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SessionGrant(String chatId, String status, String workflowName, String wsUrl, String runtimeToken, Instant expiresAt) {
}
