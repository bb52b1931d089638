package ai.mozaiks.models;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * What one model costs, in USD per 1,000 tokens.
 *
 * @param cachedPromptPer1k the price of prompt tokens served from the provider's cache; the
 *                          prompt price when the table gives none
 */
public record ModelPrice(BigDecimal promptPer1k, BigDecimal completionPer1k, BigDecimal cachedPromptPer1k) {
    public ModelPrice {
        Objects.requireNonNull(promptPer1k, "promptPer1k");
        Objects.requireNonNull(completionPer1k, "completionPer1k");
        cachedPromptPer1k = cachedPromptPer1k == null ? promptPer1k : cachedPromptPer1k;
        if (promptPer1k.signum() < 0 || completionPer1k.signum() < 0 || cachedPromptPer1k.signum() < 0) {
            throw new IllegalArgumentException("prices cannot be negative");
        }
    }
}
