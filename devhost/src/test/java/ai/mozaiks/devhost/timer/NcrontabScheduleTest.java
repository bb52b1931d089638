package ai.mozaiks.devhost.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NcrontabScheduleTest {

    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static ZonedDateTime utc(String localDateTime) {
        return ZonedDateTime.of(java.time.LocalDateTime.parse(localDateTime), UTC);
    }

    private static ZonedDateTime next(String expression, String afterUtc) {
        return NcrontabSchedule.parse(expression).nextAfter(utc(afterUtc));
    }

    /** The first {@code count} occurrences after {@code afterUtc}, as local date-time strings. */
    private static List<String> occurrences(String expression, String afterUtc, int count) {
        NcrontabSchedule schedule = NcrontabSchedule.parse(expression);
        List<String> out = new ArrayList<>();
        ZonedDateTime t = utc(afterUtc);
        for (int i = 0; i < count; i++) {
            t = schedule.nextAfter(t);
            out.add(t.toLocalDateTime().toString());
        }
        return out;
    }

    private static String parseError(String expression) {
        return assertThrows(IllegalArgumentException.class, () -> NcrontabSchedule.parse(expression)).getMessage();
    }

    // ---- syntax forms ----------------------------------------------------------------------------

    @Test
    void everyFiveMinutes() {
        assertEquals(utc("2026-01-05T19:00:00"), next("0 */5 * * * *", "2026-01-05T18:55:00"));
        assertEquals(utc("2026-01-05T19:00:00"), next("0 */5 * * * *", "2026-01-05T18:57:13"));
        assertEquals(List.of("2026-01-05T19:05", "2026-01-05T19:10"),
                occurrences("0 */5 * * * *", "2026-01-05T19:00:00", 2));
    }

    @Test
    void singleValuesInEveryField() {
        assertEquals(utc("2026-07-04T12:34:56"), next("56 34 12 4 7 *", "2026-01-01T00:00:00"));
    }

    @Test
    void wildcardEverySecondRollsOverYear() {
        assertEquals(utc("2027-01-01T00:00:00"), next("* * * * * *", "2026-12-31T23:59:59"));
    }

    @Test
    void rangeOfHours() {
        assertEquals(List.of("2026-01-05T09:00", "2026-01-05T10:00", "2026-01-05T11:00", "2026-01-06T09:00"),
                occurrences("0 0 9-11 * * *", "2026-01-05T08:59:59", 4));
    }

    @Test
    void listMixingValuesRangesAndSteps() {
        assertEquals(List.of("2026-01-05T10:15", "2026-01-05T10:16", "2026-01-05T10:17",
                        "2026-01-05T10:50", "2026-01-05T10:55", "2026-01-05T11:00"),
                occurrences("0 0,15-17,50-59/5 * * * *", "2026-01-05T10:00:00", 6));
    }

    @Test
    void stepFromValueRunsToFieldMaximum() {
        assertEquals(List.of("2026-01-05T10:00:10", "2026-01-05T10:00:25", "2026-01-05T10:00:40",
                        "2026-01-05T10:00:55", "2026-01-05T10:01:10"),
                occurrences("10/15 * * * * *", "2026-01-05T10:00:00", 5));
    }

    @Test
    void stepOverRange() {
        assertEquals(List.of("2026-01-05T08:00", "2026-01-05T12:00", "2026-01-05T16:00", "2026-01-06T08:00"),
                occurrences("0 0 8-18/4 * * *", "2026-01-05T07:00:00", 4));
    }

    @Test
    void stepLargerThanRangeKeepsOnlyStart() {
        assertEquals(List.of("2026-01-05T10:00", "2026-01-05T11:00"),
                occurrences("0 */90 * * * *", "2026-01-05T09:30:00", 2));
    }

    // ---- names and day-of-week ------------------------------------------------------------------

    @Test
    void weekdayExample() {
        // 2026-01-16 is a Friday: next weekday 09:30 is Monday the 19th.
        assertEquals(utc("2026-01-19T09:30:00"), next("0 30 9 * * 1-5", "2026-01-16T10:00:00"));
        assertEquals(utc("2026-01-16T09:30:00"), next("0 30 9 * * 1-5", "2026-01-16T09:29:59"));
    }

    @Test
    void monthAndDayNamesAreCaseInsensitive() {
        // Azure's documented example: 09:30 every Monday in January. 2027-01-04 is the first such Monday.
        assertEquals(utc("2027-01-04T09:30:00"), next("0 30 9 * Jan Mon", "2026-02-01T00:00:00"));
        ZonedDateTime from = utc("2026-01-16T10:00:00");
        ZonedDateTime numeric = NcrontabSchedule.parse("0 30 9 * 1,7 1-5").nextAfter(from);
        for (String expr : List.of("0 30 9 * JAN,JUL MON-FRI", "0 30 9 * jan,jul mon-fri",
                "0 30 9 * January,July Monday-Friday")) {
            assertEquals(numeric, NcrontabSchedule.parse(expr).nextAfter(from), expr);
        }
    }

    @Test
    void sevenIsSundayLikeZero() {
        ZonedDateTime sunday = utc("2026-01-18T12:00:00");
        assertEquals(sunday, next("0 0 12 * * 7", "2026-01-16T00:00:00"));
        assertEquals(sunday, next("0 0 12 * * 0", "2026-01-16T00:00:00"));
        assertEquals(sunday, next("0 0 12 * * SUN", "2026-01-16T00:00:00"));
        // 5-7 = Friday, Saturday, Sunday.
        assertEquals(List.of("2026-01-16T12:00", "2026-01-17T12:00", "2026-01-18T12:00", "2026-01-23T12:00"),
                occurrences("0 0 12 * * 5-7", "2026-01-15T13:00:00", 4));
    }

    // ---- day-of-month vs day-of-week ------------------------------------------------------------

    @Test
    void bothDayFieldsRestrictedMustBothMatch() {
        // Fridays the 13th only, as NCrontab decides: Feb, Mar and Nov 2026, then Aug 2027.
        assertEquals(List.of("2026-02-13T00:00", "2026-03-13T00:00", "2026-11-13T00:00", "2027-08-13T00:00"),
                occurrences("0 0 0 13 * FRI", "2026-01-01T00:00:00", 4));
    }

    @Test
    void wildcardDayFieldDoesNotRestrict() {
        assertEquals(List.of("2026-01-13T00:00", "2026-02-13T00:00"),
                occurrences("0 0 0 13 * *", "2026-01-01T00:00:00", 2));
        assertEquals(List.of("2026-01-02T00:00", "2026-01-09T00:00"),
                occurrences("0 0 0 * * FRI", "2026-01-01T00:00:00", 2));
    }

    // ---- calendar edges --------------------------------------------------------------------------

    @Test
    void leapDay() {
        assertEquals(utc("2028-02-29T00:00:00"), next("0 0 0 29 2 *", "2026-03-01T00:00:00"));
    }

    @Test
    void shortMonthsAreSkipped() {
        assertEquals(List.of("2026-03-31T00:00", "2026-05-31T00:00", "2026-07-31T00:00"),
                occurrences("0 0 0 31 * *", "2026-01-31T00:00:00", 3));
    }

    @Test
    void yearRollover() {
        assertEquals(utc("2027-01-01T00:00:00"), next("0 0 0 1 1 *", "2026-12-31T23:59:59"));
        assertEquals(utc("2027-03-01T06:00:00"), next("0 0 6 1 MAR *", "2026-03-01T06:00:00"));
    }

    @Test
    void impossibleDatesGiveUpQuickly() {
        for (String expr : List.of("0 0 0 31 2 *", "0 0 0 30 FEB *", "0 0 0 31 4,6,9,11 *")) {
            NcrontabSchedule schedule = NcrontabSchedule.parse(expr);
            IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
                    () -> assertThrows(IllegalStateException.class,
                            () -> schedule.nextAfter(utc("2026-01-01T00:00:00"))));
            assertTrue(e.getMessage().contains(expr), e.getMessage());
        }
    }

    // ---- time semantics --------------------------------------------------------------------------

    @Test
    void resultIsStrictlyAfterAndDropsNanos() {
        assertEquals(utc("2026-01-06T09:30:00"), next("0 30 9 * * *", "2026-01-05T09:30:00"));
        ZonedDateTime almost = utc("2026-01-05T09:29:59").plusNanos(999_999_999);
        ZonedDateTime hit = NcrontabSchedule.parse("0 30 9 * * *").nextAfter(almost);
        assertEquals(utc("2026-01-05T09:30:00"), hit);
        assertEquals(0, hit.getNano());
    }

    @Test
    void keepsTheGivenZone() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        ZonedDateTime hit = NcrontabSchedule.parse("0 30 9 * * *")
                .nextAfter(ZonedDateTime.of(2026, 1, 5, 10, 0, 0, 0, berlin));
        assertEquals(ZonedDateTime.of(2026, 1, 6, 9, 30, 0, 0, berlin), hit);
        assertEquals(berlin, hit.getZone());
    }

    @Test
    void dstGapShiftsForward() {
        // 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 does not exist that day.
        NcrontabSchedule schedule = NcrontabSchedule.parse("0 30 2 * * *");
        ZonedDateTime hit = schedule.nextAfter(ZonedDateTime.of(2026, 3, 8, 1, 0, 0, 0, NEW_YORK));
        assertEquals(ZonedDateTime.of(2026, 3, 8, 3, 30, 0, 0, NEW_YORK), hit);
        assertEquals(ZonedDateTime.of(2026, 3, 9, 2, 30, 0, 0, NEW_YORK), schedule.nextAfter(hit));
    }

    @Test
    void dstOverlapFiresOnce() {
        // 2026-11-01 01:00-02:00 happens twice in New York; a fixed 01:30 job runs at the first one only.
        NcrontabSchedule schedule = NcrontabSchedule.parse("0 30 1 * * *");
        ZonedDateTime first = schedule.nextAfter(ZonedDateTime.of(2026, 11, 1, 0, 0, 0, 0, NEW_YORK));
        assertEquals(ZonedDateTime.of(2026, 11, 1, 1, 30, 0, 0, NEW_YORK), first);
        assertEquals(ZoneOffset.ofHours(-4), first.getOffset());
        assertEquals(ZonedDateTime.of(2026, 11, 2, 1, 30, 0, 0, NEW_YORK), schedule.nextAfter(first));
    }

    // ---- API ---------------------------------------------------------------------------------------

    @Test
    void expressionAndToString() {
        NcrontabSchedule schedule = NcrontabSchedule.parse("0 */5 * * * *");
        assertEquals("0 */5 * * * *", schedule.expression());
        assertTrue(schedule.toString().contains("0 */5 * * * *"), schedule.toString());
    }

    // ---- malformed input --------------------------------------------------------------------------

    @Test
    void fiveFieldsAreRejectedAsAzureNeedsSix() {
        String message = parseError("*/5 * * * *");
        assertTrue(message.contains("six fields are expected"), message);
        assertTrue(message.contains("{second}"), message);
    }

    @Test
    void otherFieldCountsAreRejected() {
        for (String expr : List.of("", "   ", "0", "0 0 0 0 0 0 0", "0 0 0 1 1 * 2026")) {
            assertTrue(parseError(expr).contains("six fields are expected"), expr);
        }
        assertThrows(IllegalArgumentException.class, () -> NcrontabSchedule.parse(null));
    }

    @Test
    void outOfRangeValuesNameTheField() {
        assertEquals("minute field \"61\": value out of range 0-59", parseError("0 61 * * * *"));
        assertEquals("second field \"60\": value out of range 0-59", parseError("60 * * * * *"));
        assertEquals("hour field \"24\": value out of range 0-23", parseError("0 0 24 * * *"));
        assertEquals("day-of-month field \"0\": value out of range 1-31", parseError("0 0 0 0 * *"));
        assertEquals("day-of-month field \"32\": value out of range 1-31", parseError("0 0 0 32 * *"));
        assertEquals("month field \"13\": value out of range 1-12", parseError("0 0 0 * 13 *"));
        assertEquals("day-of-week field \"8\": value out of range 0-7", parseError("0 0 0 * * 8"));
        assertTrue(parseError("0 0 0 * * 9999999999999").startsWith("day-of-week field"));
        String inList = parseError("0 5,61 * * * *");
        assertTrue(inList.startsWith("minute field \"5,61\"") && inList.contains("\"61\""), inList);
    }

    @Test
    void zeroAndNonNumericStepsAreRejected() {
        assertTrue(parseError("0 */0 * * * *").startsWith("minute field \"*/0\": step must be at least 1"));
        assertTrue(parseError("0 0 1-5/0 * * *").startsWith("hour field"));
        assertTrue(parseError("0 */x * * * *").contains("step"));
        assertTrue(parseError("0 */ * * * *").contains("step"));
        assertTrue(parseError("0 /5 * * * *").startsWith("minute field"));
        assertTrue(parseError("0 */-1 * * * *").contains("step"));
    }

    @Test
    void garbageIsRejected() {
        assertTrue(parseError("0 abc * * * *").startsWith("minute field \"abc\""));
        assertTrue(parseError("0 0 MON * * *").startsWith("hour field"));
        assertTrue(parseError("0 0 0 * FOO *").contains("JAN-DEC"));
        assertTrue(parseError("0 0 0 * * FUNDAY").contains("SUN-SAT"));
        assertTrue(parseError("0 -1 * * * *").startsWith("minute field"));
        assertTrue(parseError("0 1- * * * *").startsWith("minute field"));
        assertTrue(parseError("0 1,,2 * * * *").contains("empty list item"));
        assertTrue(parseError("0 1, * * * *").startsWith("minute field"));
        assertTrue(parseError("0 5-2 * * * *").contains("backwards"));
        assertTrue(parseError("0 1.5 * * * *").startsWith("minute field"));
        assertTrue(parseError("0 0 0 * * FRI-MON").startsWith("day-of-week field"));
    }
}
