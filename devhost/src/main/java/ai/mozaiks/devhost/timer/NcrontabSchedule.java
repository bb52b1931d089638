package ai.mozaiks.devhost.timer;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * A parsed Azure Functions timer-trigger schedule (NCRONTAB with seconds).
 *
 * <p>The expression has exactly six whitespace-separated fields:
 * <pre>
 * {second} {minute} {hour} {day} {month} {day-of-week}
 *   0-59     0-59    0-23   1-31  1-12     0-6 (0 = Sunday, 7 = Sunday too)
 *                                 JAN-DEC  SUN-SAT
 * </pre>
 * Each field is {@code *}, a value {@code 5}, a range {@code 1-5}, a step {@code *}{@code /n},
 * {@code a-b/n} or {@code a/n} (from {@code a} up to the field's maximum), or a comma list of
 * those. Month and day-of-week names are case-insensitive (three-letter or full English names).
 *
 * <p>A day must match BOTH day fields, as NCrontab (the library the Functions host uses) decides:
 * {@code 0 0 0 13 * FRI} fires on Fridays the 13th only, unlike classic cron's OR rule.
 *
 * <p>Occurrences are computed on the wall clock of the zone passed to {@link #nextAfter}: a local
 * time inside a DST gap is shifted forward the way {@link ZonedDateTime} does, and a local time
 * repeated by a DST overlap fires once, at its earliest instant after the base time.
 */
public final class NcrontabSchedule {

    /** How far {@link #nextAfter} searches before deciding the schedule never fires. */
    private static final int SEARCH_YEARS = 5;

    private static final String LAYOUT = "{second} {minute} {hour} {day} {month} {day-of-week}";

    private static final List<String> MONTH_NAMES = List.of("JANUARY", "FEBRUARY", "MARCH", "APRIL",
            "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER");
    private static final List<String> DAY_NAMES = List.of("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY",
            "THURSDAY", "FRIDAY", "SATURDAY");

    /**
     * One of the six positions. {@code starMax} is where {@code *} and {@code a/n} stop: it differs from
     * {@code max} only for day-of-week, whose 7 is an alias of Sunday rather than an eighth day.
     */
    private enum Field {
        SECOND("second", 0, 59, 59, null, 0),
        MINUTE("minute", 0, 59, 59, null, 0),
        HOUR("hour", 0, 23, 23, null, 0),
        DAY("day-of-month", 1, 31, 31, null, 0),
        MONTH("month", 1, 12, 12, MONTH_NAMES, 1),
        DAY_OF_WEEK("day-of-week", 0, 7, 6, DAY_NAMES, 0);

        final String label;
        final int min;
        final int max;
        final int starMax;
        final List<String> names;
        final int firstNameValue;

        Field(String label, int min, int max, int starMax, List<String> names, int firstNameValue) {
            this.label = label;
            this.min = min;
            this.max = max;
            this.starMax = starMax;
            this.names = names;
            this.firstNameValue = firstNameValue;
        }
    }

    private final String expression;
    // Bit i set = value i allowed. Every range fits in 64 bits, so a long is the whole set.
    private final long seconds;
    private final long minutes;
    private final long hours;
    private final long days;
    private final long months;
    private final long daysOfWeek; // bits 0-6, Sunday = 0

    private NcrontabSchedule(String expression, String[] fields) {
        this.expression = expression;
        this.seconds = parseField(Field.SECOND, fields[0]);
        this.minutes = parseField(Field.MINUTE, fields[1]);
        this.hours = parseField(Field.HOUR, fields[2]);
        this.days = parseField(Field.DAY, fields[3]);
        this.months = parseField(Field.MONTH, fields[4]);
        this.daysOfWeek = parseField(Field.DAY_OF_WEEK, fields[5]);
    }

    /**
     * Parses a six-field NCRONTAB expression.
     *
     * @throws IllegalArgumentException if the expression is null, has other than six fields, or a field is malformed
     */
    public static NcrontabSchedule parse(String expression) {
        if (expression == null) {
            throw new IllegalArgumentException("NCRONTAB expression must not be null");
        }
        String trimmed = expression.trim();
        String[] fields = trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
        if (fields.length != 6) {
            // Five fields is the classic crontab mistake; Azure insists on the leading seconds field.
            String hint = fields.length == 5 ? " (Azure Functions needs the leading {second} field)" : "";
            throw new IllegalArgumentException("NCRONTAB expression \"" + expression + "\" has " + fields.length
                    + " fields but six fields are expected: " + LAYOUT + hint);
        }
        return new NcrontabSchedule(expression, fields);
    }

    /** The expression exactly as given to {@link #parse}. */
    public String expression() {
        return expression;
    }

    @Override
    public String toString() {
        return "NcrontabSchedule[" + expression + "]";
    }

    /**
     * The first occurrence strictly after {@code after}, in the same zone, to the second (nanos dropped).
     *
     * @throws IllegalStateException if the schedule has no occurrence within five years (e.g. {@code 0 0 0 31 2 *})
     */
    public ZonedDateTime nextAfter(ZonedDateTime after) {
        if (after == null) {
            throw new IllegalArgumentException("after must not be null");
        }
        LocalDateTime t = after.toLocalDateTime().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        LocalDateTime limit = after.toLocalDateTime().plusYears(SEARCH_YEARS);

        // Narrow from the coarsest field down: each miss jumps to the start of the next unit of that
        // field, so the loop runs at most a few times per candidate day, never once per second.
        while (!t.isAfter(limit)) {
            int month = t.getMonthValue();
            if (!has(months, month)) {
                int next = nextBit(months, month + 1);
                t = next < 0
                        ? LocalDate.of(t.getYear() + 1, nextBit(months, 1), 1).atStartOfDay()
                        : LocalDate.of(t.getYear(), next, 1).atStartOfDay();
                continue;
            }
            // Days are tested one by one: the rule joining the two day fields makes a
            // bit jump awkward, and at most 31 steps per month is cheap.
            if (!dayMatches(t.toLocalDate())) {
                t = t.toLocalDate().plusDays(1).atStartOfDay();
                continue;
            }
            int hour = nextBit(hours, t.getHour());
            if (hour < 0) {
                t = t.toLocalDate().plusDays(1).atStartOfDay();
                continue;
            }
            if (hour != t.getHour()) {
                t = t.withHour(hour).withMinute(0).withSecond(0);
            }
            int minute = nextBit(minutes, t.getMinute());
            if (minute < 0) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                continue;
            }
            if (minute != t.getMinute()) {
                t = t.withMinute(minute).withSecond(0);
            }
            int second = nextBit(seconds, t.getSecond());
            if (second < 0) {
                t = t.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
                continue;
            }
            t = t.withSecond(second);

            ZonedDateTime hit = resolve(t, after);
            if (hit != null) {
                return hit;
            }
            t = t.plusSeconds(1);
        }
        throw new IllegalStateException("NCRONTAB expression \"" + expression + "\" has no occurrence within "
                + SEARCH_YEARS + " years after " + after);
    }

    /** NCrontab semantics: both day fields must match (a {@code *} field matches every day). */
    private boolean dayMatches(LocalDate date) {
        return has(days, date.getDayOfMonth()) && has(daysOfWeek, dayOfWeekIndex(date.getDayOfWeek()));
    }

    private static int dayOfWeekIndex(DayOfWeek day) {
        return day.getValue() % 7; // ISO Monday=1..Sunday=7 -> cron Sunday=0..Saturday=6
    }

    /**
     * Places a wall-clock time in the zone of {@code after}. A time in a DST gap comes back shifted
     * forward (ZonedDateTime's rule); in an overlap the earliest offset still after {@code after} wins,
     * so "strictly after" holds even when the base time sits in the repeated hour.
     */
    private static ZonedDateTime resolve(LocalDateTime local, ZonedDateTime after) {
        List<ZoneOffset> offsets = after.getZone().getRules().getValidOffsets(local);
        if (offsets.isEmpty()) {
            ZonedDateTime shifted = ZonedDateTime.of(local, after.getZone());
            return shifted.isAfter(after) ? shifted : null;
        }
        for (ZoneOffset offset : offsets) { // ordered earlier offset first
            ZonedDateTime candidate = ZonedDateTime.ofLocal(local, after.getZone(), offset);
            if (candidate.isAfter(after)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean has(long mask, int value) {
        return (mask & (1L << value)) != 0;
    }

    /** Lowest set bit at or above {@code from}, or -1. */
    private static int nextBit(long mask, int from) {
        if (from > 63) {
            return -1;
        }
        long rest = mask & (-1L << from);
        return rest == 0 ? -1 : Long.numberOfTrailingZeros(rest);
    }

    // ---- parsing ---------------------------------------------------------------------------------

    private static long parseField(Field field, String text) {
        long mask = 0;
        for (String item : text.split(",", -1)) { // -1 keeps empty items so "1,,2" is rejected
            try {
                mask |= parseItem(field, item);
            } catch (IllegalArgumentException e) {
                String where = item.equals(text) ? "" : "item \"" + item + "\": ";
                throw new IllegalArgumentException(
                        field.label + " field \"" + text + "\": " + where + e.getMessage(), e);
            }
        }
        if (field == Field.DAY_OF_WEEK && has(mask, 7)) {
            mask = (mask & ~(1L << 7)) | 1L; // 7 is Sunday, stored as 0
        }
        return mask;
    }

    /** One list item: {@code *}, {@code v}, {@code a-b}, each optionally followed by {@code /step}. */
    private static long parseItem(Field field, String item) {
        if (item.isEmpty()) {
            throw new IllegalArgumentException("empty list item");
        }
        String base = item;
        int step = 1;
        boolean stepped = false;
        int slash = item.indexOf('/');
        if (slash >= 0) {
            base = item.substring(0, slash);
            step = parseStep(item.substring(slash + 1));
            stepped = true;
            if (base.isEmpty()) {
                throw new IllegalArgumentException("step \"" + item + "\" has no start (use */n, a/n or a-b/n)");
            }
        }

        int from;
        int to;
        if (base.equals("*")) {
            from = field.min;
            to = field.starMax;
        } else {
            int dash = base.indexOf('-', 1); // from index 1 so "-1" reads as a bad value, not a range
            if (dash > 0) {
                from = parseValue(field, base.substring(0, dash));
                to = parseValue(field, base.substring(dash + 1));
                if (from > to) {
                    throw new IllegalArgumentException("range " + base + " runs backwards");
                }
            } else {
                from = parseValue(field, base);
                // "a/n" runs from a to the top of the field, as NCrontab does.
                to = stepped ? Math.max(from, field.starMax) : from;
            }
        }

        long mask = 0;
        for (int v = from; v <= to; v += step) {
            mask |= 1L << v;
        }
        return mask;
    }

    private static int parseStep(String text) {
        if (!isDigits(text)) {
            throw new IllegalArgumentException("step \"" + text + "\" must be a positive integer");
        }
        int step = text.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(text);
        if (step < 1) {
            throw new IllegalArgumentException("step must be at least 1, got " + text);
        }
        return step;
    }

    private static int parseValue(Field field, String text) {
        int value;
        if (isDigits(text)) {
            // Anything longer than nine digits is out of range anyway; avoid int overflow.
            value = text.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(text);
        } else if (field.names != null) {
            value = nameValue(field, text);
        } else {
            throw new IllegalArgumentException("\"" + text + "\" is not a number");
        }
        if (value < field.min || value > field.max) {
            throw new IllegalArgumentException("value out of range " + field.min + "-" + field.max);
        }
        return value;
    }

    private static int nameValue(Field field, String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        for (int i = 0; i < field.names.size(); i++) {
            String name = field.names.get(i);
            if (upper.equals(name) || upper.equals(name.substring(0, 3))) {
                return field.firstNameValue + i;
            }
        }
        String first = field.names.get(0).substring(0, 3);
        String last = field.names.get(field.names.size() - 1).substring(0, 3);
        throw new IllegalArgumentException("\"" + text + "\" is not a number or a name " + first + "-" + last);
    }

    private static boolean isDigits(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
