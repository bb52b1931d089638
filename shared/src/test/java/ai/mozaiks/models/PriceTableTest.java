package ai.mozaiks.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PriceTableTest {
    private static final PriceTable TABLE = PriceTable.parse("""
            {"version": "test-1", "currency": "USD", "models": {
              "big":      {"prompt": 0.0025, "completion": 0.01, "cached_prompt": 0.00125},
              "big-mini": {"prompt": 0.00015, "completion": 0.0006},
              "free":     {"prompt": 0, "completion": 0}
            }}""");

    @Test
    void costIsPromptPlusCachedPlusCompletionAtTheirPricesExactly() {
        // 600 uncached prompt at 0.0025/1K + 400 cached at 0.00125/1K + 500 completion at 0.01/1K
        Usage usage = Usage.reported(1000, 500, 1500, 400);

        assertEquals(0, new BigDecimal("0.007").compareTo(UsageCost.of(usage, "big", TABLE)));
    }

    @Test
    void withoutACachedPriceOrCountAllPromptTokensPayThePromptPrice() {
        assertEquals(0, new BigDecimal("0.00045").compareTo(UsageCost.of(Usage.reported(1000, 500, 1500, 400), "big-mini", TABLE)));
        assertEquals(0, new BigDecimal("0.0075").compareTo(UsageCost.of(Usage.reported(1000, 500, 1500, null), "big", TABLE)));
    }

    @Test
    void manySmallCallsAddUpWithoutRoundingLoss() {
        BigDecimal total = BigDecimal.ZERO;
        for (int i = 0; i < 1000; i++) {
            total = total.add(UsageCost.of(Usage.reported(7, 3, 10, null), "big-mini", TABLE));
        }
        // 1000 x (7 x 0.00015 + 3 x 0.0006) / 1000 = 0.00285
        assertEquals(0, new BigDecimal("0.00285").compareTo(total));
    }

    @Test
    void datedModelNamesArePricedByTheirLongestListedPrefix() {
        assertEquals(TABLE.priceOf("big"), TABLE.priceOf("big-2024-08-06"));
        assertEquals(TABLE.priceOf("big-mini"), TABLE.priceOf("big-mini-2024-07-18"));
        assertEquals(TABLE.priceOf("big"), TABLE.priceOf("BIG"));
        assertFalse(TABLE.find("bigger").isPresent());
    }

    @Test
    void anUnpricedModelIsAnErrorNamingIt() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> UsageCost.of(Usage.reported(1, 1, 2, null), "mystery-model", TABLE));

        assertTrue(error.getMessage().contains("mystery-model"));
        assertTrue(error.getMessage().contains("test-1"));
    }

    @Test
    void theBundledTableIsVersionedAndPricesWellKnownModels() {
        PriceTable bundled = PriceTable.bundled();

        assertFalse(bundled.version().isBlank());
        for (String model : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3-mini", "offline"}) {
            assertTrue(bundled.find(model).isPresent(), model);
        }
        assertEquals(0, BigDecimal.ZERO.compareTo(UsageCost.of(Usage.estimated(1000, 1000), "offline", bundled)));
        assertTrue(UsageCost.of(Usage.reported(1000, 1000, 2000, null), "gpt-4o-2024-08-06", bundled).signum() > 0);
    }

    @Test
    void aMalformedTableIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PriceTable.parse("{\"models\":{\"a\":{\"prompt\":1,\"completion\":1}}}"));
        assertThrows(IllegalArgumentException.class, () -> PriceTable.parse("{\"version\":\"1\",\"models\":{\"a\":{\"prompt\":\"1\",\"completion\":1}}}"));
        assertThrows(IllegalArgumentException.class, () -> PriceTable.parse("{\"version\":\"1\",\"currency\":\"EUR\",\"models\":{\"a\":{\"prompt\":1,\"completion\":1}}}"));
        assertThrows(IllegalArgumentException.class, () -> PriceTable.parse("{\"version\":\"1\",\"models\":{\"a\":{\"prompt\":-1,\"completion\":1}}}"));
        assertThrows(IllegalArgumentException.class, () -> PriceTable.parse("{\"version\":\"1\",\"models\":{}}"));
    }
}
