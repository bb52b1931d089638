package ai.mozaiks.persistence;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Fields of {@code usage_minutes} and {@code usage_months} that more than the engine reads: the bucket's minute, the
 * counter's month, and their token total.
 */
public final class UsageFields {
    public static final String MINUTE = "minute";
    public static final String MONTH = "month";
    public static final String TOTAL_TOKENS = "total_tokens";
    private static final DateTimeFormatter MONTH_ID = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);

    private UsageFields() {
    }

    /** The first instant of {@code at}'s calendar month (UTC). */
    public static Instant monthStart(Instant at) {
        return at.atZone(ZoneOffset.UTC).withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).toInstant();
    }

    /** The id of an app's monthly counter in {@code usage_months}: {@code <app_id>:<yyyy-MM>} (UTC). */
    public static String monthId(String appId, Instant at) {
        return appId + ":" + MONTH_ID.format(at);
    }
}
