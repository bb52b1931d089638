package ai.mozaiks.workflows.expression;

import java.util.List;
import java.util.Map;

/** The syntax tree of a condition. Each node evaluates to a normalized value (see {@link PyValues}). */
sealed interface Expr {

    Object evaluate(Map<String, ?> variables);

    record Literal(Object value) implements Expr {
        @Override
        public Object evaluate(Map<String, ?> variables) {
            return value;
        }
    }

    record Variable(String name) implements Expr {
        @Override
        public Object evaluate(Map<String, ?> variables) {
            return PyValues.operand(name, variables.get(name));
        }
    }

    record Not(Expr operand) implements Expr {
        @Override
        public Object evaluate(Map<String, ?> variables) {
            return !PyValues.truthy(operand.evaluate(variables));
        }
    }

    record Negate(Expr operand) implements Expr {
        @Override
        public Object evaluate(Map<String, ?> variables) {
            return PyValues.negate(operand.evaluate(variables));
        }
    }

    /** Like Python, yields the deciding operand itself, not a boolean. */
    record And(Expr left, Expr right) implements Expr {
        @Override
        public Object evaluate(Map<String, ?> variables) {
            Object value = left.evaluate(variables);
            return PyValues.truthy(value) ? right.evaluate(variables) : value;
        }
    }

    record Or(Expr left, Expr right) implements Expr {
        @Override
        public Object evaluate(Map<String, ?> variables) {
            Object value = left.evaluate(variables);
            return PyValues.truthy(value) ? value : right.evaluate(variables);
        }
    }

    /** {@code a < b < c} means {@code a < b and b < c}, each operand evaluated at most once. */
    record Comparison(List<Expr> operands, List<CompareOp> operators) implements Expr {
        public Comparison {
            operands = List.copyOf(operands);
            operators = List.copyOf(operators);
        }

        @Override
        public Object evaluate(Map<String, ?> variables) {
            Object left = operands.get(0).evaluate(variables);
            for (int i = 0; i < operators.size(); i++) {
                Object right = operands.get(i + 1).evaluate(variables);
                if (!operators.get(i).apply(left, right)) {
                    return false;
                }
                left = right;
            }
            return true;
        }
    }

    /** A variable argument is measured as stored: its list or map is not reduced to a boolean first. */
    record Len(Expr argument) implements Expr {
        @Override
        public Object evaluate(Map<String, ?> variables) {
            Object value = argument instanceof Variable variable
                    ? variables.get(variable.name())
                    : argument.evaluate(variables);
            return PyValues.length(value);
        }
    }
}
