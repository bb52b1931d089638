package ai.mozaiks.models;

import java.math.BigDecimal;

/** What a call's usage cost in USD, exactly (no rounding: sums of many calls stay exact). */
public final class UsageCost {
    private UsageCost() {
    }

    /**
     * Prompt tokens at the prompt price, except those served from the prompt cache at the cached
     * price, plus completion tokens at the completion price.
     *
     * @throws IllegalArgumentException when the table has no price for {@code model}
     */
    public static BigDecimal of(Usage usage, String model, PriceTable prices) {
        ModelPrice price = prices.priceOf(model);
        int cached = usage.cachedTokens() == null ? 0 : usage.cachedTokens();
        BigDecimal perThousand = price.promptPer1k().multiply(BigDecimal.valueOf(usage.promptTokens() - cached))
                .add(price.cachedPromptPer1k().multiply(BigDecimal.valueOf(cached)))
                .add(price.completionPer1k().multiply(BigDecimal.valueOf(usage.completionTokens())));
        return perThousand.movePointLeft(3);
    }
}
