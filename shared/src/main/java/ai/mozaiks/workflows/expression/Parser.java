package ai.mozaiks.workflows.expression;

import ai.mozaiks.workflows.expression.Token.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Recursive descent over the grammar documented on {@link ContextExpression}, one method per level. Conditions
 * come from packs, so nesting is bounded both while parsing (each {@code not}, {@code -}, parenthesis and
 * {@code len(} goes one level deeper) and in the tree it builds (each operator is a level, so evaluation
 * recursion is bounded too).
 */
final class Parser {
    private static final Map<Type, CompareOp> COMPARISONS = Map.of(
            Type.EQ, CompareOp.EQ, Type.NE, CompareOp.NE, Type.LT, CompareOp.LT,
            Type.LE, CompareOp.LE, Type.GT, CompareOp.GT, Type.GE, CompareOp.GE);

    private final List<Token> tokens;
    private int pos;
    private int depth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static Expr parse(List<Token> tokens) {
        Parser parser = new Parser(tokens);
        Expr expr = parser.or();
        Token rest = parser.peek();
        if (rest.type() != Type.END) {
            throw new ExpressionSyntaxException("unexpected " + rest.describe(), rest.column());
        }
        if (height(expr) > ContextExpression.MAX_DEPTH) {
            throw new ExpressionSyntaxException("nested more than " + ContextExpression.MAX_DEPTH + " levels deep", 1);
        }
        return expr;
    }

    /** Levels of the tree; recursion is as deep as the tree, which the token count bounds. */
    private static int height(Expr expr) {
        int below = 0;
        if (expr instanceof Expr.Not not) {
            below = height(not.operand());
        } else if (expr instanceof Expr.Negate negate) {
            below = height(negate.operand());
        } else if (expr instanceof Expr.And and) {
            below = Math.max(height(and.left()), height(and.right()));
        } else if (expr instanceof Expr.Or or) {
            below = Math.max(height(or.left()), height(or.right()));
        } else if (expr instanceof Expr.Comparison comparison) {
            below = comparison.operands().stream().mapToInt(Parser::height).max().orElse(0);
        } else if (expr instanceof Expr.Len len) {
            below = height(len.argument());
        }
        return 1 + below;
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
            enter();
            Expr not = new Expr.Not(not());
            depth--;
            return not;
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
            enter();
            Expr negate = new Expr.Negate(unary());
            depth--;
            return negate;
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
                enter();
                Expr inner = or();
                expect(Type.RPAREN, "\")\"");
                depth--;
                yield inner;
            }
            default -> throw new ExpressionSyntaxException("expected a value but found " + token.describe(), token.column());
        };
    }

    private Expr len(Token len) {
        if (!accept(Type.LPAREN)) {
            throw new ExpressionSyntaxException("len must be called as len(...)", len.column());
        }
        enter();
        Expr argument = or();
        if (peek().type() == Type.COMMA) {
            throw new ExpressionSyntaxException("len() takes exactly one argument", peek().column());
        }
        expect(Type.RPAREN, "\")\"");
        depth--;
        return new Expr.Len(argument);
    }

    /** One level deeper; refuses before the recursion can exhaust the stack. */
    private void enter() {
        if (++depth > ContextExpression.MAX_DEPTH) {
            throw new ExpressionSyntaxException("nested more than " + ContextExpression.MAX_DEPTH + " levels deep",
                    tokens.get(pos - 1).column());
        }
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
