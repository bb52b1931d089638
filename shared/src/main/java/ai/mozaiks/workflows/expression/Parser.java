package ai.mozaiks.workflows.expression;

import ai.mozaiks.workflows.expression.Token.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Recursive descent over the grammar documented on {@link ContextExpression}, one method per level. */
final class Parser {
    private static final Map<Type, CompareOp> COMPARISONS = Map.of(
            Type.EQ, CompareOp.EQ, Type.NE, CompareOp.NE, Type.LT, CompareOp.LT,
            Type.LE, CompareOp.LE, Type.GT, CompareOp.GT, Type.GE, CompareOp.GE);

    private final List<Token> tokens;
    private int pos;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static Expr parse(String text) {
        Parser parser = new Parser(Lexer.tokenize(text));
        Expr expr = parser.or();
        Token rest = parser.peek();
        if (rest.type() != Type.END) {
            throw new ExpressionSyntaxException("unexpected " + rest.describe(), rest.column());
        }
        return expr;
    }

    private Expr or() {
        Expr left = and();
        while (accept(Type.OR)) {
            left = new Expr.Or(left, and());
        }
        return left;
    }

    private Expr and() {
        Expr left = not();
        while (accept(Type.AND)) {
            left = new Expr.And(left, not());
        }
        return left;
    }

    private Expr not() {
        if (accept(Type.NOT)) {
            return new Expr.Not(not());
        }
        return comparison();
    }

    private Expr comparison() {
        Expr first = unary();
        List<Expr> operands = new ArrayList<>(List.of(first));
        List<CompareOp> operators = new ArrayList<>();
        CompareOp op;
        while ((op = COMPARISONS.get(peek().type())) != null) {
            pos++;
            operators.add(op);
            operands.add(unary());
        }
        return operators.isEmpty() ? first : new Expr.Comparison(operands, operators);
    }

    private Expr unary() {
        if (accept(Type.MINUS)) {
            return new Expr.Negate(unary());
        }
        return primary();
    }

    private Expr primary() {
        Token token = peek();
        pos++;
        return switch (token.type()) {
            case VARIABLE -> new Expr.Variable((String) token.value());
            case NUMBER, STRING, TRUE, FALSE -> new Expr.Literal(token.value());
            case NONE -> new Expr.Literal(null);
            case LEN -> len(token);
            case LPAREN -> {
                Expr inner = or();
                expect(Type.RPAREN, "\")\"");
                yield inner;
            }
            default -> throw new ExpressionSyntaxException("expected a value but found " + token.describe(), token.column());
        };
    }

    private Expr len(Token len) {
        if (!accept(Type.LPAREN)) {
            throw new ExpressionSyntaxException("len must be called as len(...)", len.column());
        }
        Expr argument = or();
        if (peek().type() == Type.COMMA) {
            throw new ExpressionSyntaxException("len() takes exactly one argument", peek().column());
        }
        expect(Type.RPAREN, "\")\"");
        return new Expr.Len(argument);
    }

    private void expect(Type type, String what) {
        Token token = peek();
        if (token.type() != type) {
            throw new ExpressionSyntaxException("expected " + what + " but found " + token.describe(), token.column());
        }
        pos++;
    }

    private boolean accept(Type type) {
        if (peek().type() == type) {
            pos++;
            return true;
        }
        return false;
    }

    private Token peek() {
        return tokens.get(pos);
    }
}
