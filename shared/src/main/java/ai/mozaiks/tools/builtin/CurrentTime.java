package ai.mozaiks.tools.builtin;

import ai.mozaiks.engine.ToolInvocation;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import reactor.core.publisher.Mono;

/** A built-in Java tool: the current time, in a time zone the model may name (UTC otherwise). */
public final class CurrentTime implements ToolRegistry.JavaTool {
    private final Clock clock;

    public CurrentTime(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Mono<JsonNode> call(ToolInvocation invocation) {
        JsonNode zoneArgument = invocation.call().arguments().path("timezone");
        ZoneId zone;
        try {
            zone = zoneArgument.isTextual() ? ZoneId.of(zoneArgument.asText()) : ZoneId.of("UTC");
        } catch (DateTimeException e) {
            ObjectNode error = Json.mapper().createObjectNode().put("error", "unknown time zone " + zoneArgument.asText());
            return Mono.just(error);
        }
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone));
        return Mono.just(Json.mapper().createObjectNode().put("timezone", zone.getId()).put("iso", now.toOffsetDateTime().toString())
                .put("weekday", now.getDayOfWeek().toString().toLowerCase(java.util.Locale.ROOT)));
    }
}
