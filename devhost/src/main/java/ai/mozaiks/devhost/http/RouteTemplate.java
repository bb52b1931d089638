package ai.mozaiks.devhost.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * An HTTP trigger route in the Functions host's (ASP.NET) syntax: literal segments matched without
 * regard to case, {@code {name}}, {@code {name?}}, {@code {name:constraint}} and a final
 * {@code {*rest}}.
 */
public final class RouteTemplate {
    private static final Map<String, Predicate<String>> CONSTRAINTS = Map.of(
            "int", value -> parses(value, Integer::parseInt),
            "long", value -> parses(value, Long::parseLong),
            "bool", value -> value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false"),
            "alpha", value -> value.matches("[A-Za-z]+"),
            "double", value -> value.matches("-?\\d+(\\.\\d+)?"),
            "guid", RouteTemplate::isGuid);

    private final String text;
    private final List<Segment> segments;

    private record Segment(String literal, String parameter, Predicate<String> constraint, boolean optional, boolean catchAll) {
        boolean matches(String value) {
            if (literal != null) {
                return literal.equalsIgnoreCase(value);
            }
            return constraint == null || constraint.test(value);
        }
    }

    private RouteTemplate(String text, List<Segment> segments) {
        this.text = text;
        this.segments = segments;
    }

    public static RouteTemplate parse(String template) {
        String trimmed = template.replaceAll("^/+|/+$", "");
        List<Segment> segments = new ArrayList<>();
        String[] parts = trimmed.isEmpty() ? new String[0] : trimmed.split("/");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (!(part.startsWith("{") && part.endsWith("}"))) {
                if (part.contains("{") || part.contains("}")) {
                    throw new IllegalArgumentException("route " + template + ": mixed literal and parameter in segment " + part);
                }
                segments.add(new Segment(part, null, null, false, false));
                continue;
            }
            String body = part.substring(1, part.length() - 1);
            boolean catchAll = body.startsWith("*");
            if (catchAll && i != parts.length - 1) {
                throw new IllegalArgumentException("route " + template + ": a catch-all parameter must be last");
            }
            body = catchAll ? body.substring(1) : body;
            boolean optional = body.endsWith("?");
            body = optional ? body.substring(0, body.length() - 1) : body;
            String name = body;
            Predicate<String> constraint = null;
            int colon = body.indexOf(':');
            if (colon >= 0) {
                name = body.substring(0, colon);
                String constraintName = body.substring(colon + 1);
                constraint = CONSTRAINTS.get(constraintName);
                if (constraint == null) {
                    throw new IllegalArgumentException("route " + template + ": constraint " + constraintName
                            + " is not supported here; use one of " + CONSTRAINTS.keySet());
                }
            }
            segments.add(new Segment(null, name, constraint, optional || catchAll, catchAll));
        }
        return new RouteTemplate(trimmed, List.copyOf(segments));
    }

    /** The route parameters when the path matches, decoded. */
    public Optional<Map<String, String>> match(String path) {
        String trimmed = path.replaceAll("^/+|/+$", "");
        String[] parts = trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            Segment segment = segments.get(i);
            if (segment.catchAll()) {
                if (i < parts.length) {
                    values.put(segment.parameter(), decode(String.join("/", List.of(parts).subList(i, parts.length))));
                }
                return Optional.of(values);
            }
            if (i >= parts.length) {
                if (!segment.optional()) {
                    return Optional.empty();
                }
                continue;
            }
            String value = decode(parts[i]);
            if (value.isEmpty() || !segment.matches(value)) {
                return Optional.empty();
            }
            if (segment.parameter() != null) {
                values.put(segment.parameter(), value);
            }
        }
        return parts.length <= segments.size() ? Optional.of(values) : Optional.empty();
    }

    /**
     * The host's (ASP.NET's) inbound route precedence: segment by segment, a literal beats a
     * constrained parameter, which beats a plain one, which beats a catch-all; where one route ends
     * it beats any longer one with the same prefix. Sorting with this puts the winner first.
     */
    public static final Comparator<RouteTemplate> PRECEDENCE = (a, b) -> {
        for (int i = 0; i < Math.max(a.segments.size(), b.segments.size()); i++) {
            int byRank = Integer.compare(a.rank(i), b.rank(i));
            if (byRank != 0) {
                return byRank;
            }
        }
        return a.text.compareToIgnoreCase(b.text);
    };

    private int rank(int index) {
        if (index >= segments.size()) {
            return 0;
        }
        Segment segment = segments.get(index);
        return segment.literal() != null ? 1 : segment.catchAll() ? 5 : segment.constraint() != null ? 3 : 4;
    }

    @Override
    public String toString() {
        return text;
    }

    private static String decode(String value) {
        return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static boolean parses(String value, java.util.function.Consumer<String> parser) {
        try {
            parser.accept(value);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isGuid(String value) {
        try {
            UUID.fromString(value);
            return value.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
