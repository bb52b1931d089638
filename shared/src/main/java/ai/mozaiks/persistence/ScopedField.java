package ai.mozaiks.persistence;

/** Field names the persistence layer itself relies on. */
public final class ScopedField {
    /** Present on every runtime document and in every runtime filter. */
    public static final String APP_ID = "app_id";

    private ScopedField() {
    }
}
