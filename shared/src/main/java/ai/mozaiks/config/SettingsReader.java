package ai.mozaiks.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads typed values from a flat map of app settings and collects every problem, so a
 * misconfigured deployment is told about all of them in one start-up failure.
 */
public final class SettingsReader {
    private final Map<String, String> source;
    private final List<String> problems = new ArrayList<>();

    public SettingsReader(Map<String, String> source) {
        this.source = Map.copyOf(source);
    }

    public Map<String, String> source() {
        return source;
    }

    public String optional(String name) {
        String value = source.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    public String required(String name, String expected) {
        String value = optional(name);
        if (value == null) {
            problems.add(name + ": missing; expected " + expected);
        }
        return value;
    }

    public String string(String name, String fallback, Predicate<String> valid, String expected) {
        String value = optional(name);
        if (value == null) {
            return fallback;
        }
        if (!valid.test(value)) {
            problems.add(name + ": \"" + value + "\" is malformed; expected " + expected);
            return fallback;
        }
        return value;
    }

    public int integer(String name, int fallback, int min, int max) {
        String value = optional(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name + ": \"" + value + "\" is malformed; expected a whole number from " + min + " to " + max);
        return fallback;
    }

    public Duration seconds(String name, Duration fallback, int minSeconds, int maxSeconds) {
        return Duration.ofSeconds(integer(name, (int) fallback.toSeconds(), minSeconds, maxSeconds));
    }

    /** {@code true} or {@code false}, in any case. */
    /** A required base64 key of at least 32 bytes; null (and a problem) when missing or too short. */
    public byte[] key(String name) {
        String secret = required(name, "a base64 key of at least 32 bytes (a Key Vault reference in Azure)");
        if (secret == null) {
            return null;
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret);
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length < 32) {
            problem(name + ": must be base64 of at least 32 bytes");
        }
        return key;
    }

    public boolean flag(String name, boolean fallback) {
        String value = optional(name);
        if (value == null) {
            return fallback;
        }
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        problem(name + ": \"" + value + "\" is not true or false");
        return fallback;
    }

    public <E extends Enum<E>> E choice(String name, E fallback, Class<E> type) {
        String value = optional(name);
        if (value == null) {
            return fallback;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase());
        }
        problems.add(name + ": \"" + value + "\" is not one of " + names);
        return fallback;
    }

    public void problem(String message) {
        problems.add(message);
    }

    /** Throws when anything read so far was missing or malformed. */
    public void validate() {
        if (!problems.isEmpty()) {
            throw new SettingsException(problems);
        }
    }
}
