package ai.mozaiks.workflows.expression;

/** One lexical unit; {@code value} holds a variable name, a literal's value or null. */
record Token(Type type, Object value, int column) {

    enum Type {
        VARIABLE, NUMBER, STRING, TRUE, FALSE, NONE,
        NOT, AND, OR, LEN, LPAREN, RPAREN, COMMA, MINUS,
        EQ, NE, LT, LE, GT, GE, END;
    }

    /** How the token reads in an error message. */
    String describe() {
        return switch (type) {
            case VARIABLE -> "${" + value + "}";
            case NUMBER -> value.toString();
            case STRING -> "'" + value + "'";
            case END -> "end of expression";
            default -> "\"" + text(type) + "\"";
        };
    }

    private static String text(Type type) {
        return switch (type) {
            case TRUE -> "True";
            case FALSE -> "False";
            case NONE -> "None";
            case NOT -> "not";
            case AND -> "and";
            case OR -> "or";
            case LEN -> "len";
            case LPAREN -> "(";
            case RPAREN -> ")";
            case COMMA -> ",";
            case MINUS -> "-";
            case EQ -> "==";
            case NE -> "!=";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            default -> type.name();
        };
    }
}
