package ai.mozaiks.workflows.expression;

/** The comparison operators; ordering ones need comparable operands. */
enum CompareOp {
    EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">=");

    private final String symbol;

    CompareOp(String symbol) {
        this.symbol = symbol;
    }

    String symbol() {
        return symbol;
    }

    boolean apply(Object left, Object right) {
        return switch (this) {
            case EQ -> PyValues.equal(left, right);
            case NE -> !PyValues.equal(left, right);
            case LT -> PyValues.order(left, right, this) < 0;
            case LE -> PyValues.order(left, right, this) <= 0;
            case GT -> PyValues.order(left, right, this) > 0;
            case GE -> PyValues.order(left, right, this) >= 0;
        };
    }
}
