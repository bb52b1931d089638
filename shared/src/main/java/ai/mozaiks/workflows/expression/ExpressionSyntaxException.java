package ai.mozaiks.workflows.expression;

/** A handoff condition that does not parse. The message names the 1-based column of the problem. */
public final class ExpressionSyntaxException extends IllegalArgumentException {
    private final int column;

    ExpressionSyntaxException(String reason, int column) {
        super(reason + " at column " + column);
        this.column = column;
    }

    public int column() {
        return column;
    }
}
