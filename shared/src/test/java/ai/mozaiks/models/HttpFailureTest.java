package ai.mozaiks.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpFailureTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void statusesMapToKinds() {
        assertEquals(ModelException.Kind.RATE_LIMITED, HttpFailure.kind(429));
        assertEquals(ModelException.Kind.AUTH, HttpFailure.kind(401));
        assertEquals(ModelException.Kind.AUTH, HttpFailure.kind(403));
        assertEquals(ModelException.Kind.BAD_REQUEST, HttpFailure.kind(400));
        assertEquals(ModelException.Kind.BAD_REQUEST, HttpFailure.kind(404));
        assertEquals(ModelException.Kind.TIMEOUT, HttpFailure.kind(408));
        assertEquals(ModelException.Kind.UNAVAILABLE, HttpFailure.kind(500));
        assertEquals(ModelException.Kind.UNAVAILABLE, HttpFailure.kind(503));
    }

    @Test
    void retryAfterIsReadInEveryForm() {
        assertEquals(Duration.ofSeconds(12), HttpFailure.retryAfter(Map.of("retry-after", "12")::get, CLOCK));
        assertEquals(Duration.ofMillis(250), HttpFailure.retryAfter(Map.of("retry-after-ms", "250", "retry-after", "1")::get, CLOCK));
        assertEquals(Duration.ofMinutes(2), HttpFailure.retryAfter(Map.of("retry-after", "Wed, 01 Jan 2025 00:02:00 GMT")::get, CLOCK));
        assertEquals(Duration.ZERO, HttpFailure.retryAfter(Map.of("retry-after", "Tue, 31 Dec 2024 23:00:00 GMT")::get, CLOCK));
        assertNull(HttpFailure.retryAfter(Map.of("retry-after", "soon")::get, CLOCK));
        assertNull(HttpFailure.retryAfter(Map.<String, String>of()::get, CLOCK));
    }

    @Test
    void aBodyThatIsNotAnErrorObjectIsShownAsItIs() {
        ModelException failure = HttpFailure.of("r", 502, name -> null, "<html>Bad gateway</html>", CLOCK);

        assertEquals(ModelException.Kind.UNAVAILABLE, failure.kind());
        assertTrue(failure.getMessage().contains("Bad gateway"));
        assertTrue(failure.code().isEmpty());
    }

    @Test
    void theErrorTypeStandsInForAMissingCode() {
        ModelException failure = HttpFailure.of("r", 400, name -> null,
                "{\"error\":{\"message\":\"bad schema\",\"type\":\"invalid_request_error\",\"code\":null}}", CLOCK);

        assertEquals("invalid_request_error", failure.code().orElseThrow());
        assertTrue(failure.getMessage().contains("bad schema"));
    }
}
