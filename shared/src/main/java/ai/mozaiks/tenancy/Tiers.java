package ai.mozaiks.tenancy;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tier catalogue, read from the versioned {@code tiers.json} that ships with the app. Order in
 * the file is rank order, lowest first; a broken file stops start-up with the field named.
 */
public final class Tiers {
    private static final String RESOURCE = "/ai/mozaiks/tenancy/tiers.json";

    private final int version;
    private final Map<String, Tier> byName;

    private Tiers(int version, Map<String, Tier> byName) {
        this.version = version;
        this.byName = byName;
    }

    public static Tiers load() {
        try (InputStream in = Tiers.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return parse(Json.mapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("tiers.json cannot be read", e);
        }
    }

    static Tiers parse(JsonNode root) {
        int version = root.path("version").asInt(0);
        if (version < 1) {
            throw new IllegalStateException("tiers.json: version must be a positive integer");
        }
        Map<String, Tier> byName = new LinkedHashMap<>();
        JsonNode tiers = root.path("tiers");
        for (int i = 0; i < tiers.size(); i++) {
            JsonNode node = tiers.get(i);
            String where = "tiers.json: tiers[" + i + "]";
            String name = node.path("name").asText("");
            if (!name.matches("[a-z][a-z0-9_]{0,31}") || byName.containsKey(name)) {
                throw new IllegalStateException(where + ".name: missing, malformed or duplicate");
            }
            List<String> packs = new ArrayList<>();
            node.path("allowed_packs").forEach(pack -> packs.add(pack.asText()));
            Tier tier = new Tier(name, i,
                    positive(node, "apps_per_tenant", where),
                    positive(node, "concurrent_runs_per_app", where),
                    positive(node, "concurrent_runs_per_user", where),
                    atLeastZero(node, "parallel_child_workflows", where),
                    positive(node, "retention_days", where),
                    Set.copyOf(packs),
                    node.path("monthly_token_budget").asLong(-1),
                    node.path("dedicated_database").asBoolean(false),
                    positive(node, "max_turns", where),
                    positive(node, "open_chats_per_user", where),
                    positive(node, "starts_per_user_per_minute", where),
                    positive(node, "starts_per_app_per_minute", where),
                    positive(node, "idle_close_hours", where));
            if (tier.monthlyTokenBudget() < 0) {
                throw new IllegalStateException(where + ".monthly_token_budget: must be zero or more");
            }
            byName.put(name, tier);
        }
        if (byName.isEmpty()) {
            throw new IllegalStateException("tiers.json: no tiers");
        }
        return new Tiers(version, java.util.Collections.unmodifiableMap(byName));
    }

    private static int positive(JsonNode node, String field, String where) {
        int value = node.path(field).asInt(0);
        if (value < 1) {
            throw new IllegalStateException(where + "." + field + ": must be a positive integer");
        }
        return value;
    }

    private static int atLeastZero(JsonNode node, String field, String where) {
        int value = node.path(field).asInt(-1);
        if (value < 0) {
            throw new IllegalStateException(where + "." + field + ": must be zero or more");
        }
        return value;
    }

    public int version() {
        return version;
    }

    public Optional<Tier> find(String name) {
        return Optional.ofNullable(name == null ? null : byName.get(name));
    }

    public Tier get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown tier " + name));
    }

    public Set<String> names() {
        return byName.keySet();
    }

    /** The first tier of the file: what a tenant gets before any grant. */
    public Tier lowest() {
        return byName.values().iterator().next();
    }
}
