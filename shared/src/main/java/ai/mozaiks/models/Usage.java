package ai.mozaiks.models;

/**
 * Tokens one call used.
 *
 * @param cachedTokens prompt tokens served from the provider's prompt cache (part of
 *                     {@code promptTokens}), or {@code null} when the provider did not say
 * @param estimated    {@code true} when the provider reported nothing and the counts come from
 *                     {@link TokenEstimate} (the offline model; servers that ignore {@code include_usage})
 */
public record Usage(int promptTokens, int completionTokens, int totalTokens, Integer cachedTokens, boolean estimated) {
    public Usage {
        if (promptTokens < 0 || completionTokens < 0 || totalTokens < 0) {
            throw new IllegalArgumentException("token counts cannot be negative");
        }
        if (cachedTokens != null && (cachedTokens < 0 || cachedTokens > promptTokens)) {
            throw new IllegalArgumentException("cached tokens must be between 0 and the prompt tokens: " + cachedTokens);
        }
    }

    public static Usage reported(int promptTokens, int completionTokens, int totalTokens, Integer cachedTokens) {
        return new Usage(promptTokens, completionTokens, totalTokens, cachedTokens, false);
    }

    public static Usage estimated(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens, null, true);
    }
}
