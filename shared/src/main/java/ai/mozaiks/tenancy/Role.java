package ai.mozaiks.tenancy;

import java.util.Locale;

/** A member's role in a tenant, in increasing power. */
public enum Role {
    BUILDER,
    ADMIN,
    OWNER;

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role fromWire(String value) {
        return Role.valueOf(value.toUpperCase(Locale.ROOT));
    }

    public static java.util.List<String> wireNames() {
        return java.util.Arrays.stream(values()).map(Role::wire).toList();
    }
}
