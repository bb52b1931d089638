package ai.mozaiks.engine.acceptance;

import ai.mozaiks.session.ChatEvent;
import org.junit.jupiter.api.AfterEach;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What every acceptance test checks at the end: no query ran without app_id. */
abstract class EngineAcceptance {
    protected EngineHarness harness;

    @AfterEach
    void everyQueryCarriedAppId() {
        if (harness == null) {
            return;
        }
        try {
            assertEquals(List.of(), harness.appScopeViolations(), "every runtime query carried app_id");
        } finally {
            harness.close();
        }
    }

    static List<String> typesOf(List<ChatEvent> events) {
        return events.stream().map(ChatEvent::type).toList();
    }

    /** The events appended after the first {@code from}. */
    static List<String> typesAfter(List<ChatEvent> events, int from) {
        return typesOf(events.subList(from, events.size()));
    }
}
