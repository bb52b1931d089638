package ai.mozaiks.persistence;

/** Fields of {@code usage_minutes} that more than the engine reads: the bucket's minute and its token total. */
public final class UsageFields {
    public static final String MINUTE = "minute";
    public static final String TOTAL_TOKENS = "total_tokens";

    private UsageFields() {
    }
}
