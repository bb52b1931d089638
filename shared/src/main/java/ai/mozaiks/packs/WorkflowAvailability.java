package ai.mozaiks.packs;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** One line of {@code GET /api/apps/{app_id}/workflows}. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record WorkflowAvailability(String name, String pack, String source, String packVersion, boolean available,
                                   String reason, String detail, List<String> requires) {
}
