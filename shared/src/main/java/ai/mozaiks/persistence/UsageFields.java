package ai.mozaiks.persistence;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Fields of {@code usage_minutes} that more than the engine reads: the bucket's minute and its token total. */
public final class UsageFields {
    public static final String MINUTE = "minute";
    public static final String TOTAL_TOKENS = "total_tokens";

    private UsageFields() {
    }

    /** The first instant of {@code at}'s calendar month (UTC). */
    public static Instant monthStart(Instant at) {
        return at.atZone(ZoneOffset.UTC).withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).toInstant();
    }
}
