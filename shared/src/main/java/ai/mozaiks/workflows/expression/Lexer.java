package ai.mozaiks.workflows.expression;

import ai.mozaiks.workflows.expression.Token.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Splits a condition into tokens; rejects anything outside the grammar of {@link ContextExpression}. */
final class Lexer {
    private static final Map<String, Type> WORDS = Map.of(
            "not", Type.NOT, "and", Type.AND, "or", Type.OR, "len", Type.LEN,
            "True", Type.TRUE, "False", Type.FALSE, "None", Type.NONE,
            // Lower-case spellings as JSON/YAML authors write them.
            "true", Type.TRUE, "false", Type.FALSE, "null", Type.NONE);

    private final String text;
    private int pos;

    private Lexer(String text) {
        this.text = text;
    }

    static List<Token> tokenize(String text) {
        return new Lexer(text).run();
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            skipWhitespace();
            if (pos >= text.length()) {
                tokens.add(new Token(Type.END, null, pos + 1));
                return tokens;
            }
            tokens.add(next());
        }
    }

    private Token next() {
        int start = pos;
        char c = text.charAt(pos);
        if (c == '$') {
            return variable(start);
        }
        if (c == '\'' || c == '"') {
            return string(start, c);
        }
        if (Character.isDigit(c) || (c == '.' && pos + 1 < text.length() && Character.isDigit(text.charAt(pos + 1)))) {
            return number(start);
        }
        if (Character.isLetter(c) || c == '_') {
            return word(start);
        }
        pos++;
        return switch (c) {
            case '(' -> token(Type.LPAREN, start);
            case ')' -> token(Type.RPAREN, start);
            case ',' -> token(Type.COMMA, start);
            case '-' -> token(Type.MINUS, start);
            case '=' -> {
                if (consume('=')) {
                    yield token(Type.EQ, start);
                }
                throw new ExpressionSyntaxException("\"=\" is assignment; compare with \"==\"", start + 1);
            }
            case '!' -> token(consume('=') ? Type.NE : Type.NOT, start);
            case '<' -> token(consume('=') ? Type.LE : Type.LT, start);
            case '>' -> token(consume('=') ? Type.GE : Type.GT, start);
            case '&' -> {
                if (consume('&')) {
                    throw new ExpressionSyntaxException("\"&&\" is not supported; use \"and\" or \"&\"", start + 1);
                }
                yield token(Type.AND, start);
            }
            case '|' -> {
                if (consume('|')) {
                    throw new ExpressionSyntaxException("\"||\" is not supported; use \"or\" or \"|\"", start + 1);
                }
                yield token(Type.OR, start);
            }
            default -> throw new ExpressionSyntaxException("unexpected character \"" + c + "\"", start + 1);
        };
    }

    private Token variable(int start) {
        if (pos + 1 >= text.length() || text.charAt(pos + 1) != '{') {
            throw new ExpressionSyntaxException("\"$\" must start a variable reference ${name}", start + 1);
        }
        int close = text.indexOf('}', pos + 2);
        if (close < 0) {
            throw new ExpressionSyntaxException("unterminated variable reference", start + 1);
        }
        String name = text.substring(pos + 2, close);
        if (!name.matches("[A-Za-z0-9_]+")) {
            throw new ExpressionSyntaxException("invalid variable name \"" + name + "\"", start + 1);
        }
        pos = close + 1;
        return new Token(Type.VARIABLE, name, start + 1);
    }

    private Token string(int start, char quote) {
        StringBuilder value = new StringBuilder();
        pos++;
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == quote) {
                return new Token(Type.STRING, value.toString(), start + 1);
            }
            if (c == '\\' && pos < text.length()) {
                char escaped = text.charAt(pos++);
                switch (escaped) {
                    case 'n' -> value.append('\n');
                    case 't' -> value.append('\t');
                    case 'r' -> value.append('\r');
                    case '\\', '\'', '"' -> value.append(escaped);
                    // Python keeps unknown escapes as written.
                    default -> value.append('\\').append(escaped);
                }
            } else {
                value.append(c);
            }
        }
        throw new ExpressionSyntaxException("unterminated string", start + 1);
    }

    private Token number(int start) {
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos < text.length() && text.charAt(pos) == '.') {
            pos++;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            int mark = pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            if (pos >= text.length() || !Character.isDigit(text.charAt(pos))) {
                pos = mark;
                throw new ExpressionSyntaxException("malformed number", start + 1);
            }
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
        }
        if (pos < text.length() && (Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '_')) {
            throw new ExpressionSyntaxException("malformed number", start + 1);
        }
        return new Token(Type.NUMBER, new BigDecimal(text.substring(start, pos)), start + 1);
    }

    private Token word(int start) {
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        String word = text.substring(start, pos);
        Type type = WORDS.get(word);
        if (type == null) {
            throw new ExpressionSyntaxException(
                    "unexpected name \"" + word + "\" (variables are written ${" + word + "})", start + 1);
        }
        return token(type, start);
    }

    private boolean consume(char expected) {
        if (pos < text.length() && text.charAt(pos) == expected) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipWhitespace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private static Token token(Type type, int start) {
        Object value = switch (type) {
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            default -> null;
        };
        return new Token(type, value, start + 1);
    }
}
