package ai.mozaiks.workflows.expression;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * Value semantics of conditions. AG2 evaluates them as Python, so these follow Python: numbers compare
 * by value across int and float, a boolean counts as 0 or 1 in numeric comparisons, {@code ==} between
 * unrelated types is false rather than an error, and ordering unrelated types is an error.
 *
 * <p>Normalized values are {@code null}, {@link Boolean}, {@link BigDecimal} and {@link String}.
 */
final class PyValues {
    private PyValues() {
    }

    /** A variable's value as an operand. Lists and maps count as their truth value, as in AG2. */
    static Object operand(String name, Object value) {
        if (value == null || value instanceof Boolean || value instanceof String) {
            return value;
        }
        if (value instanceof CharSequence text) {
            return text.toString();
        }
        if (value instanceof Number number) {
            return number(name, number);
        }
        if (value instanceof Collection<?> collection) {
            return !collection.isEmpty();
        }
        if (value instanceof Map<?, ?> map) {
            return !map.isEmpty();
        }
        if (value.getClass().isArray()) {
            return java.lang.reflect.Array.getLength(value) > 0;
        }
        if (value instanceof JsonNode node) {
            return json(name, node);
        }
        throw new ExpressionEvaluationException("context variable \"" + name + "\" has unsupported type "
                + value.getClass().getSimpleName());
    }

    /** Python's len(); a value without a length counts as 0, as AG2 does for variables. */
    static BigDecimal length(Object value) {
        long length;
        if (value instanceof CharSequence text) {
            length = text.toString().codePointCount(0, text.length());
        } else if (value instanceof Collection<?> collection) {
            length = collection.size();
        } else if (value instanceof Map<?, ?> map) {
            length = map.size();
        } else if (value != null && value.getClass().isArray()) {
            length = java.lang.reflect.Array.getLength(value);
        } else if (value instanceof JsonNode node) {
            length = node.isTextual() ? node.asText().codePointCount(0, node.asText().length())
                    : node.isContainerNode() ? node.size() : 0;
        } else {
            length = 0;
        }
        return BigDecimal.valueOf(length);
    }

    static boolean truthy(Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean bool) {
            return bool;
        }
        if (value instanceof BigDecimal number) {
            return number.signum() != 0;
        }
        return !((String) value).isEmpty();
    }

    static boolean equal(Object left, Object right) {
        if (isNumeric(left) && isNumeric(right)) {
            return numeric(left).compareTo(numeric(right)) == 0;
        }
        return left == null ? right == null : left.equals(right);
    }

    static int order(Object left, Object right, CompareOp op) {
        if (isNumeric(left) && isNumeric(right)) {
            return numeric(left).compareTo(numeric(right));
        }
        if (left instanceof String a && right instanceof String b) {
            return compareCodePoints(a, b);
        }
        throw new ExpressionEvaluationException("\"" + op.symbol() + "\" is not supported between "
                + typeName(left) + " and " + typeName(right));
    }

    static BigDecimal negate(Object value) {
        if (isNumeric(value)) {
            return numeric(value).negate();
        }
        throw new ExpressionEvaluationException("unary \"-\" is not supported for " + typeName(value));
    }

    static String typeName(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        return value instanceof BigDecimal ? "number" : "string";
    }

    private static boolean isNumeric(Object value) {
        return value instanceof BigDecimal || value instanceof Boolean;
    }

    private static BigDecimal numeric(Object value) {
        if (value instanceof Boolean bool) {
            return bool ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        return (BigDecimal) value;
    }

    private static BigDecimal number(String name, Number number) {
        if (number instanceof BigDecimal decimal) {
            return decimal;
        }
        if (number instanceof BigInteger integer) {
            return new BigDecimal(integer);
        }
        if (number instanceof Double || number instanceof Float) {
            double value = number.doubleValue();
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                throw new ExpressionEvaluationException("context variable \"" + name + "\" is not a finite number");
            }
            return BigDecimal.valueOf(value);
        }
        if (number instanceof Long || number instanceof Integer || number instanceof Short || number instanceof Byte) {
            return BigDecimal.valueOf(number.longValue());
        }
        return new BigDecimal(number.toString());
    }

    private static Object json(String name, JsonNode node) {
        if (node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return number(name, node.isFloatingPointNumber() && !node.isBigDecimal() ? node.doubleValue() : node.decimalValue());
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isContainerNode()) {
            return node.size() > 0;
        }
        throw new ExpressionEvaluationException("context variable \"" + name + "\" has unsupported JSON type "
                + node.getNodeType());
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
