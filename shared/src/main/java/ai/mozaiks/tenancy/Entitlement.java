package ai.mozaiks.tenancy;

import java.util.Locale;

/** The answer to "may this user start this workflow in this app now?", with a machine-readable reason. */
public record Entitlement(boolean allowed, Reason reason, String detail) {

    public enum Reason {
        TIER, PACK_DISABLED, APP_DELETED, APP_SUSPENDED, APP_PAUSED, APP_MIGRATING, NOT_ALLOWED, UNKNOWN_WORKFLOW, LIMIT_REACHED, PREREQUISITE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static Entitlement allow() {
        return new Entitlement(true, null, null);
    }

    public static Entitlement deny(Reason reason, String detail) {
        return new Entitlement(false, reason, detail);
    }
}
