package ai.mozaiks.workflows.expression;

/** A well-formed condition that cannot be evaluated: an unknown variable or operands of the wrong type. */
public final class ExpressionEvaluationException extends RuntimeException {
    ExpressionEvaluationException(String message) {
        super(message);
    }
}
