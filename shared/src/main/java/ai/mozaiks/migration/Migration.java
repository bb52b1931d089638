package ai.mozaiks.migration;

import java.util.Locale;

/** The phases a move of an app's data goes through, each safe to repeat after a crash. */
public final class Migration {
    public static final String COLLECTION = "migrations";

    /** In order. */
    public enum Phase {
        DRAINING, COPYING, VERIFYING, SWITCHING, SETTLING, COMPLETED, CLEANED, FAILED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Phase fromWire(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }

        /** New runs of the app are refused in these phases. */
        public boolean holdsAdmission() {
            return ordinal() <= SETTLING.ordinal();
        }

        public boolean terminal() {
            return this == CLEANED || this == FAILED;
        }
    }

    private Migration() {
    }
}
