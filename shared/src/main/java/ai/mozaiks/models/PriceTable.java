package ai.mozaiks.models;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Model prices from a versioned JSON document:
 * <pre>{"version": "...", "currency": "USD", "models": {"gpt-4o": {"prompt": 0.0025, "completion": 0.01,
 * "cached_prompt": 0.00125}}}</pre>
 * with prices per 1,000 tokens. A model is found by its exact name, else by the longest listed
 * name it starts with followed by {@code -}, so {@code gpt-4o-2024-08-06} (the name providers
 * report) is priced as {@code gpt-4o}. Names are compared in lower case.
 */
public final class PriceTable {
    public static final String BUNDLED = "/ai/mozaiks/models/prices.json";

    // Decimals as written: 0.0025 read as a double would not be 0.0025.
    private static final ObjectReader MAPPER = Json.firstValue().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final String version;
    private final Map<String, ModelPrice> prices;

    private PriceTable(String version, Map<String, ModelPrice> prices) {
        this.version = version;
        this.prices = prices;
    }

    /** The example table shipped in this library. */
    public static PriceTable bundled() {
        try (InputStream in = PriceTable.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("the price table " + BUNDLED + " is missing from the classpath");
            }
            return load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PriceTable load(InputStream json) throws IOException {
        return from(MAPPER.readTree(json));
    }

    public static PriceTable parse(String json) {
        try {
            return from(MAPPER.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException("price table: not valid JSON", e);
        }
    }

    private static PriceTable from(JsonNode root) {
        String version = root.path("version").asText("");
        if (version.isBlank()) {
            throw new IllegalArgumentException("price table: \"version\" is required");
        }
        String currency = root.path("currency").asText("USD");
        if (!"USD".equals(currency)) {
            throw new IllegalArgumentException("price table: only USD prices are supported, not " + currency);
        }
        JsonNode models = root.path("models");
        if (!models.isObject() || models.isEmpty()) {
            throw new IllegalArgumentException("price table: \"models\" must be a non-empty object");
        }
        Map<String, ModelPrice> prices = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            JsonNode price = entry.getValue();
            prices.put(name.toLowerCase(Locale.ROOT), new ModelPrice(
                    decimal(price, "prompt", name), decimal(price, "completion", name),
                    price.has("cached_prompt") ? decimal(price, "cached_prompt", name) : null));
        }
        return new PriceTable(version, Map.copyOf(prices));
    }

    private static BigDecimal decimal(JsonNode price, String field, String model) {
        JsonNode value = price.get(field);
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException("price table: " + model + "." + field + " must be a number");
        }
        return value.decimalValue();
    }

    public String version() {
        return version;
    }

    public Optional<ModelPrice> find(String model) {
        if (model == null) {
            return Optional.empty();
        }
        String name = model.toLowerCase(Locale.ROOT);
        ModelPrice exact = prices.get(name);
        if (exact != null) {
            return Optional.of(exact);
        }
        String best = null;
        for (String listed : prices.keySet()) {
            if (name.startsWith(listed + "-") && (best == null || listed.length() > best.length())) {
                best = listed;
            }
        }
        return Optional.ofNullable(best == null ? null : prices.get(best));
    }

    /** The price of a model; an unpriced model is an error that names it. */
    public ModelPrice priceOf(String model) {
        return find(model).orElseThrow(() -> new IllegalArgumentException(
                "no price for model " + model + " in price table " + version));
    }
}
