package ai.mozaiks.workflows.expression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ContextExpressionTest {

    private static boolean eval(String expression, Object... keyValues) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        return ContextExpression.parse(expression).evaluate(values);
    }

    private static String syntaxError(String expression) {
        return assertThrows(ExpressionSyntaxException.class, () -> ContextExpression.parse(expression)).getMessage();
    }

    private static String evaluationError(String expression, Map<String, ?> values) {
        return assertThrows(ExpressionEvaluationException.class,
                () -> ContextExpression.parse(expression).evaluate(values)).getMessage();
    }

    @Nested
    class Precedence {
        @Test
        void andBindsTighterThanOr() {
            // true or (false and false) = true; (true or false) and false would be false.
            assertTrue(eval("${a} or ${b} and ${c}", "a", true, "b", false, "c", false));
            assertFalse(eval("(${a} or ${b}) and ${c}", "a", true, "b", false, "c", false));
        }

        @Test
        void notBindsLooserThanComparisonAndTighterThanAnd() {
            // not (1 == 2) = true
            assertTrue(eval("not ${n} == 2", "n", 1));
            // (not false) and false = false; not (false and false) would be true.
            assertFalse(eval("not ${a} and ${b}", "a", false, "b", false));
            assertTrue(eval("not (${a} and ${b})", "a", false, "b", false));
        }

        @Test
        void symbolicOperatorsHaveTheSamePrecedenceAsTheirWords() {
            assertTrue(eval("${a} | ${b} & ${c}", "a", true, "b", false, "c", false));
            assertTrue(eval("!${n} == 2", "n", 1));
            assertTrue(eval("!(${a}) & ${b}", "a", false, "b", true));
            assertTrue(eval("${a}&${b}|${c}", "a", false, "b", true, "c", true));
        }

        @Test
        void unaryMinusBindsTighterThanComparison() {
            assertTrue(eval("-${n} < 0", "n", 3));
            assertTrue(eval("--${n} == 3", "n", 3));
        }

        @Test
        void comparisonsChainLikePython() {
            assertTrue(eval("1 < ${n} < 5", "n", 3));
            assertFalse(eval("1 < ${n} < 5", "n", 7));
            // 3 > 2 > 1: true in Python (not (3 > 2) > 1).
            assertTrue(eval("3 > 2 > 1"));
            assertFalse(eval("1 == 1 == 2"));
        }

        @Test
        void notCannotBeAComparisonOperand() {
            assertEquals("expected a value but found \"not\" at column 9", syntaxError("${a} == not ${b}"));
        }
    }

    @Nested
    class ShortCircuit {
        @Test
        void andStopsAtTheFirstFalseOperand() {
            // The right side would be a type error if it were evaluated.
            assertFalse(eval("${a} and ${s} < 1", "a", false, "s", "text"));
        }

        @Test
        void orStopsAtTheFirstTrueOperand() {
            assertTrue(eval("${a} or -${s} == 1", "a", true, "s", "text"));
        }

        @Test
        void aChainStopsAtTheFirstFalseComparison() {
            assertFalse(eval("${n} > 5 > ${s}", "n", 1, "s", "text"));
        }

        @Test
        void unevaluatedOperandsAreStillEvaluatedWhenReached() {
            assertEquals("\"<\" is not supported between string and number",
                    evaluationError("${a} and ${s} < 1", Map.of("a", true, "s", "text")));
        }

        @Test
        void andAndOrYieldTheDecidingOperandAsPythonDoes() {
            assertTrue(eval("(${a} or 'fallback') == 'fallback'", "a", ""));
            assertTrue(eval("(${a} and 'second') == 0", "a", 0));
            assertTrue(eval("(${a} or ${b}) == 'x'", "a", null, "b", "x"));
        }
    }

    @Nested
    class Len {
        @Test
        void countsTheCharactersOfAString() {
            assertTrue(eval("len(${name}) == 5", "name", "Alice"));
            // Code points, not UTF-16 units: one emoji is one character.
            assertTrue(eval("len(${s}) == 2", "s", "a\uD83D\uDE00"));
            assertTrue(eval("len('abc') == 3"));
        }

        @Test
        void countsTheElementsOfAListOrMap() {
            assertTrue(eval("len(${items}) == 3", "items", List.of("a", "b", "c")));
            assertTrue(eval("len(${items}) > 0", "items", List.of("a")));
            assertTrue(eval("len(${items}) == 0", "items", List.of()));
            assertTrue(eval("len(${m}) == 2", "m", Map.of("a", 1, "b", 2)));
            assertTrue(eval("len(${arr}) == 2", "arr", new int[] {1, 2}));
        }

        @Test
        void countsJsonValues() throws Exception {
            ObjectMapper json = new ObjectMapper();
            assertTrue(eval("len(${items}) == 2", "items", json.readTree("[1, 2]")));
            assertTrue(eval("len(${name}) == 3", "name", json.readTree("\"abc\"")));
        }

        @Test
        void aValueWithoutALengthCountsAsZeroAsInAg2() {
            assertTrue(eval("len(${n}) == 0", "n", null));
            assertTrue(eval("len(${n}) == 0", "n", 42));
            assertTrue(eval("len(${n}) == 0", "n", true));
        }

        @Test
        void takesAnyExpressionAndExactlyOneArgument() {
            assertTrue(eval("len(${a} or 'xy') == 2", "a", ""));
            assertEquals("len() takes exactly one argument at column 9", syntaxError("len(${a}, ${b})"));
            assertEquals("len must be called as len(...) at column 1", syntaxError("len ${a}"));
        }
    }

    @Nested
    class Values {
        @Test
        void numbersCompareByValueAcrossIntegerAndDecimal() {
            assertTrue(eval("${n} == 2.0", "n", 2));
            assertTrue(eval("${n} == 2", "n", 2L));
            assertTrue(eval("${n} > 1.5", "n", new BigDecimal("1.75")));
            assertTrue(eval("${n} >= 1e3", "n", 1000.0));
            assertTrue(eval("${n} < .5", "n", 0.25f));
        }

        @Test
        void booleansCountAsZeroOrOneInNumericComparisons() {
            assertTrue(eval("${flag} == 1", "flag", true));
            assertTrue(eval("${flag} < 1", "flag", false));
            assertTrue(eval("${done} == True", "done", true));
        }

        @Test
        void equalityBetweenUnrelatedTypesIsFalseNotAnError() {
            assertFalse(eval("${s} == 1", "s", "1"));
            assertTrue(eval("${s} != 1", "s", "1"));
            assertFalse(eval("${n} == None", "n", 0));
            assertTrue(eval("${n} == None", "n", null));
            assertTrue(eval("${n} == null", "n", null));
        }

        @Test
        void stringsCompareByCodePoint() {
            assertTrue(eval("${s} == 'draft'", "s", "draft"));
            assertTrue(eval("${s} < 'b'", "s", "a"));
            assertTrue(eval("'ab' < 'abc'"));
            assertTrue(eval("${s} == \"it's\"", "s", "it's"));
            assertTrue(eval("${s} == 'it\\'s'", "s", "it's"));
            assertTrue(eval("${s} == 'a\\nb'", "s", "a\nb"));
        }

        @Test
        void listsAndMapsStandForTheirTruthValue() {
            assertTrue(eval("${items}", "items", List.of(1)));
            assertFalse(eval("${items}", "items", List.of()));
            assertTrue(eval("${items} == True", "items", List.of(1)));
            assertFalse(eval("${m}", "m", Map.of()));
        }

        @Test
        void truthinessFollowsPython() {
            assertFalse(eval("${v}", "v", null));
            assertFalse(eval("${v}", "v", 0));
            assertFalse(eval("${v}", "v", ""));
            assertTrue(eval("${v}", "v", "x"));
            assertTrue(eval("${v}", "v", -0.5));
            assertTrue(eval("not None"));
        }

        @Test
        void pythonAndLowerCaseLiteralsAreBothAccepted() {
            assertTrue(eval("${a} == True and ${b} == false", "a", true, "b", false));
            assertTrue(eval("${a} == true", "a", true));
        }
    }

    @Nested
    class TypeErrors {
        @Test
        void orderingUnrelatedTypesFails() {
            assertEquals("\"<\" is not supported between string and number", evaluationError("${s} < 1", Map.of("s", "a")));
            Map<String, Object> nothing = new HashMap<>();
            nothing.put("n", null);
            assertEquals("\">=\" is not supported between None and number", evaluationError("${n} >= 1", nothing));
        }

        @Test
        void negatingANonNumberFails() {
            assertEquals("unary \"-\" is not supported for string", evaluationError("-${s} == 1", Map.of("s", "a")));
        }

        @Test
        void unsupportedValueTypesAreNamed() {
            assertEquals("context variable \"when\" has unsupported type Object",
                    evaluationError("${when}", Map.of("when", new Object())));
            assertEquals("context variable \"x\" is not a finite number",
                    evaluationError("${x} > 1", Map.of("x", Double.NaN)));
        }
    }

    @Nested
    class Variables {
        @Test
        void areListedInOrderOfFirstAppearance() {
            ContextExpression expression = ContextExpression.parse("${b} and len(${a}) > 0 or ${b} == ${c}");
            assertEquals(List.of("b", "a", "c"), List.copyOf(expression.variables()));
            assertEquals(List.of("a", "c"), expression.undeclared(Set.of("b")));
        }

        @Test
        void anUnknownVariableFailsEvenInAShortCircuitedBranch() {
            // AG2 substitutes every variable before evaluating, so a missing one is always an error.
            assertEquals("unknown context variable \"missing\" in condition ${a} or ${missing}",
                    evaluationError("${a} or ${missing}", Map.of("a", true)));
        }

        @Test
        void aPresentNullIsNone() {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("v", null);
            assertTrue(ContextExpression.parse("${v} == None").evaluate(values));
        }
    }

    @Nested
    class Syntax {
        static Stream<Arguments> malformed() {
            return Stream.of(
                    arguments("", "expected a value but found end of expression at column 1"),
                    arguments("${a} ==", "expected a value but found end of expression at column 8"),
                    arguments("(${a}", "expected \")\" but found end of expression at column 6"),
                    arguments("${a} ${b}", "unexpected ${b} at column 6"),
                    arguments("${a} && ${b}", "\"&&\" is not supported; use \"and\" or \"&\" at column 6"),
                    arguments("${a} || ${b}", "\"||\" is not supported; use \"or\" or \"|\" at column 6"),
                    arguments("${a} = 1", "\"=\" is assignment; compare with \"==\" at column 6"),
                    arguments("done == True", "unexpected name \"done\" (variables are written ${done}) at column 1"),
                    arguments("${a-b}", "invalid variable name \"a-b\" at column 1"),
                    arguments("${ a }", "invalid variable name \" a \" at column 1"),
                    arguments("${a", "unterminated variable reference at column 1"),
                    arguments("$a", "\"$\" must start a variable reference ${name} at column 1"),
                    arguments("${a} == 'open", "unterminated string at column 9"),
                    arguments("${a} == 1x", "malformed number at column 9"),
                    arguments("${a} == 1e", "malformed number at column 9"),
                    arguments("${a} ~ 1", "unexpected character \"~\" at column 6"));
        }

        @ParameterizedTest
        @MethodSource("malformed")
        void reportsTheReasonAndColumn(String expression, String message) {
            assertEquals(message, syntaxError(expression));
        }

        @Test
        void reportsTheColumnSeparately() {
            ExpressionSyntaxException error = assertThrows(ExpressionSyntaxException.class,
                    () -> ContextExpression.parse("${a} and )"));
            assertEquals(10, error.column());
        }

        @Test
        void keepsTheSourceText() {
            ContextExpression expression = ContextExpression.parse("${interview_complete} == True");
            assertEquals("${interview_complete} == True", expression.text());
            assertEquals(expression, ContextExpression.parse("${interview_complete} == True"));
        }
    }

    @Nested
    class Limits {
        @Test
        void refusesHugeConditionsBeforeReadingThem() {
            assertEquals("longer than 4096 characters at column 4097", syntaxError("not ".repeat(15_000) + "${a}"));
            assertEquals("longer than 4096 characters at column 4097", syntaxError("(".repeat(10_000) + "1" + ")".repeat(10_000)));
            assertEquals("longer than 4096 characters at column 4097", syntaxError("${a} == '" + "x".repeat(1024 * 1024) + "'"));
        }

        @Test
        void refusesNestingDeeperThanTheLimitAsASyntaxError() {
            assertEquals("nested more than 64 levels deep at column 257", syntaxError("not ".repeat(65) + "${a}"));
            assertEquals("nested more than 64 levels deep at column 65", syntaxError("!".repeat(2_000) + "${a}"));
            assertEquals("nested more than 64 levels deep at column 65", syntaxError("(".repeat(2_000) + "1" + ")".repeat(2_000)));
            assertEquals("nested more than 64 levels deep at column 65", syntaxError("-".repeat(100) + "1 < 0"));
            assertEquals("nested more than 64 levels deep at column 260", syntaxError("len(".repeat(100) + "${a}" + ")".repeat(100)));
        }

        @Test
        void countsEveryOperatorOfAChainAsALevel() {
            assertEquals("nested more than 64 levels deep at column 1", syntaxError("${a}" + " or ${a}".repeat(64)));
            assertEquals("nested more than 64 levels deep at column 1", syntaxError("1" + "&1".repeat(2_000)));
        }

        @Test
        void acceptsConditionsUpToTheLimit() {
            assertTrue(eval("not ".repeat(62) + "${a}", "a", true));
            assertTrue(eval("${a}" + " or ${a}".repeat(62), "a", true));
            assertTrue(eval("(".repeat(64) + "${a}" + ")".repeat(64), "a", true));
            assertTrue(eval("1 <= 2 <= " + "3 <= ".repeat(500) + "4"));
        }
    }
}
