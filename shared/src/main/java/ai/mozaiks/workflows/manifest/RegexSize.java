package ai.mozaiks.workflows.manifest;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An upper bound on the number of instructions a regular expression compiles to. RE2/J matches in time linear in
 * the input times this size, but puts no bound on the size itself: counted repetitions multiply it
 * ({@code (a{1000}){1000}} is a million instructions; one more level exhausts the heap while compiling). Counting
 * before compiling keeps a pack's pattern cheap. The count over-estimates (every character of the pattern counts
 * one, every group and operator one more); it never under-estimates a repetition.
 */
final class RegexSize {
    private RegexSize() {
    }

    /** The estimated size, capped just above {@code limit} so that nested repetitions cannot overflow. */
    static long of(String regex, long limit) {
        Deque<Group> groups = new ArrayDeque<>();
        Group current = new Group();
        int i = 0;
        while (i < regex.length()) {
            char c = regex.charAt(i);
            switch (c) {
                case '\\' -> {
                    i = escape(regex, i);
                    current.atom(1);
                    continue;
                }
                case '[' -> {
                    i = classEnd(regex, i);
                    current.atom(1);
                    continue;
                }
                case '(' -> {
                    groups.push(current);
                    current = new Group();
                }
                case ')' -> {
                    long inner = current.total + 1;
                    current = groups.isEmpty() ? new Group() : groups.pop();
                    current.atom(inner);
                }
                case '|' -> {
                    current.total += 1;
                    current.last = 0;
                }
                case '*', '+', '?' -> current.total += 1;
                case '{' -> {
                    int end = regex.indexOf('}', i);
                    long count = end < 0 ? -1 : repeatCount(regex.substring(i + 1, end));
                    if (count < 0) {
                        current.atom(1);
                    } else {
                        current.repeat(count, limit);
                        i = end;
                    }
                }
                default -> current.atom(1);
            }
            if (current.total > limit) {
                return limit + 1;
            }
            i++;
        }
        long total = current.total;
        while (!groups.isEmpty()) {
            total += groups.pop().total;
        }
        return Math.min(total, limit + 1);
    }

    /** The index after an escape: {@code \x}, {@code \p{Name}}, {@code \x{10FFFF}}, or a {@code \Q...\E} quote. */
    private static int escape(String regex, int at) {
        int next = at + 1;
        if (next >= regex.length()) {
            return next;
        }
        char kind = regex.charAt(next);
        if (kind == 'Q') {
            int end = regex.indexOf("\\E", next);
            return end < 0 ? regex.length() : end + 2;
        }
        if ((kind == 'p' || kind == 'P' || kind == 'x') && next + 1 < regex.length() && regex.charAt(next + 1) == '{') {
            int end = regex.indexOf('}', next);
            return end < 0 ? regex.length() : end + 1;
        }
        return next + 1;
    }

    /** The index after a character class, which matches one character whatever it lists. */
    private static int classEnd(String regex, int at) {
        int i = at + 1;
        if (i < regex.length() && regex.charAt(i) == '^') {
            i++;
        }
        if (i < regex.length() && regex.charAt(i) == ']') {
            i++;
        }
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i = escape(regex, i);
            } else if (c == '[' && regex.startsWith("[:", i)) {
                int end = regex.indexOf(":]", i + 2);
                i = end < 0 ? i + 1 : end + 2;
            } else if (c == ']') {
                return i + 1;
            } else {
                i++;
            }
        }
        return i;
    }

    /** The largest count of {@code n}, {@code n,} or {@code n,m}, or -1 when the braces are a literal. */
    private static long repeatCount(String body) {
        if (!body.matches("\\d{1,9}(,\\d{0,9})?")) {
            return -1;
        }
        int comma = body.indexOf(',');
        if (comma < 0) {
            return Long.parseLong(body);
        }
        long min = Long.parseLong(body.substring(0, comma));
        return comma == body.length() - 1 ? min + 1 : Math.max(min, Long.parseLong(body.substring(comma + 1)));
    }

    private static final class Group {
        long total;
        long last;

        void atom(long size) {
            total += size;
            last = size;
        }

        void repeat(long count, long limit) {
            long grown = Math.min(last * Math.max(count, 1), limit + 1);
            total = Math.min(total - last + grown + 1, limit + 1);
            last = grown;
        }
    }
}
