package ai.mozaiks.workflows.expression;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A handoff condition over context variables, compatible with AG2's {@code ContextExpression} (which the
 * Python runtime evaluates with Python semantics).
 *
 * <h2>Grammar</h2>
 * <pre>
 * expression  := or
 * or          := and  ( ("or"  | "|") and )*
 * and         := not  ( ("and" | "&amp;") not )*
 * not         := ("not" | "!") not | comparison
 * comparison  := unary ( ("==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=") unary )*
 * unary       := "-" unary | primary
 * primary     := variable | literal | "len" "(" expression ")" | "(" expression ")"
 * variable    := "${" [A-Za-z0-9_]+ "}"
 * literal     := number | string | "True" | "False" | "None" | "true" | "false" | "null"
 * number      := digits ["." digits] [("e" | "E") ["+" | "-"] digits]
 * string      := "'" chars "'" | '"' chars '"'      (escapes \\ \' \" \n \t \r)
 * </pre>
 * Precedence, loosest first: {@code or}, {@code and}, {@code not}, comparisons, unary minus. As in
 * Python, {@code not a == b} is {@code not (a == b)} and comparisons chain ({@code 1 < ${n} < 5}).
 * {@code &&} and {@code ||} are rejected with a hint: AG2 does not understand them.
 * A condition is at most {@value #MAX_LENGTH} characters and {@value #MAX_DEPTH} levels deep (each operator,
 * {@code len} and parenthesis is a level), so that a pack cannot exhaust the stack or the CPU.
 *
 * <h2>Evaluation</h2>
 * <ul>
 *   <li>Every referenced variable must be present (a {@code null} value is {@code None}); this is checked
 *       before evaluating, so a missing variable is an error even in a short-circuited branch, as in AG2.</li>
 *   <li>{@code and}/{@code or} short-circuit and yield the deciding operand; the result of
 *       {@link #evaluate} is its truth value ({@code None}, {@code False}, 0 and {@code ''} are false).</li>
 *   <li>A variable holding a list or map stands for its truth value (non-empty), except as the argument of
 *       {@code len}, which counts its elements (characters for a string; 0 for a value without a length).</li>
 *   <li>{@code ==}/{@code !=} never fail; ordering needs two numbers (booleans count as 0/1) or two strings.</li>
 * </ul>
 */
public final class ContextExpression {
    public static final int MAX_LENGTH = 4_096;
    public static final int MAX_DEPTH = 64;

    private final String text;
    private final Expr root;
    private final Set<String> variables;

    private ContextExpression(String text, Expr root, Set<String> variables) {
        this.text = text;
        this.root = root;
        this.variables = variables;
    }

    /** @throws ExpressionSyntaxException if {@code text} is not a condition of the grammar above */
    public static ContextExpression parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.length() > MAX_LENGTH) {
            throw new ExpressionSyntaxException("longer than " + MAX_LENGTH + " characters", MAX_LENGTH + 1);
        }
        List<Token> tokens = Lexer.tokenize(text);
        Set<String> names = new LinkedHashSet<>();
        for (Token token : tokens) {
            if (token.type() == Token.Type.VARIABLE) {
                names.add((String) token.value());
            }
        }
        return new ContextExpression(text, Parser.parse(tokens), Collections.unmodifiableSet(names));
    }

    public String text() {
        return text;
    }

    /** The referenced variable names, in order of first appearance. */
    public Set<String> variables() {
        return variables;
    }

    /** The referenced variables that are not in {@code declared}, in order of first appearance. */
    public List<String> undeclared(Set<String> declared) {
        List<String> missing = new ArrayList<>();
        for (String name : variables) {
            if (!declared.contains(name)) {
                missing.add(name);
            }
        }
        return missing;
    }

    /**
     * @throws ExpressionEvaluationException if a referenced variable is absent from {@code values}, or
     *     operands have types an operator does not accept
     */
    public boolean evaluate(Map<String, ?> values) {
        Objects.requireNonNull(values, "values");
        for (String name : variables) {
            if (!values.containsKey(name)) {
                throw new ExpressionEvaluationException("unknown context variable \"" + name + "\" in condition " + text);
            }
        }
        return PyValues.truthy(root.evaluate(values));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ContextExpression that && text.equals(that.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
