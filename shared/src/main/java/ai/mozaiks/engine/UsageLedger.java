package ai.mozaiks.engine;

import ai.mozaiks.models.ModelResponse;
import ai.mozaiks.models.PriceTable;
import ai.mozaiks.models.Usage;
import ai.mozaiks.models.UsageCost;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.UsageFields;
import ai.mozaiks.session.Duplicates;
import ai.mozaiks.session.NewEvent;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.tenancy.MonthlyTokens;
import com.mongodb.client.model.PushOptions;
import com.mongodb.client.model.Updates;
import org.bson.conversions.Bson;
import org.bson.types.Decimal128;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.ne;

/**
 * Token usage and cost of model calls: the {@code chat.usage_delta} event data, the chat's running totals,
 * the per-app per-minute bucket in {@code usage_minutes} and the app's month counter ({@link MonthlyTokens}).
 *
 * <p>Everything is derived from the step's usage events as its commit records them, so the event log, the
 * chat totals and the minute buckets always agree: the totals ride on the step's commit, and the bucket
 * (keyed by the minute of the commit's stamp, which the events carry too, so a late repeat lands in the same
 * bucket) is incremented once per step thanks to a bounded marker list ({@value #MAX_MARKERS} most recent
 * steps of that app and minute); the write that counts a step there adds its tokens to the month's counter too, so a
 * repeat adds nothing to either. Cost is
 * recomputed from the stored token counts with the {@link PriceTable}, exactly ({@link Decimal128}); an
 * unpriced model costs {@code null} in the event and adds nothing to the cost sums (its calls are counted
 * in {@code unpriced_calls}).
 */
final class UsageLedger {
    /** Fields of {@code usage_minutes}. */
    static final String MINUTE = UsageFields.MINUTE;
    static final String PROMPT_TOKENS = "prompt_tokens";
    static final String COMPLETION_TOKENS = "completion_tokens";
    static final String TOTAL_TOKENS = UsageFields.TOTAL_TOKENS;
    static final String COST_USD = "cost_usd";
    static final String CALLS = "calls";
    static final String UNPRICED_CALLS = "unpriced_calls";
    /** The steps already counted in a bucket: {@code <chat_id>:<step_seq>}, the most recent ones only. */
    static final String STEPS = "steps";
    static final int MAX_MARKERS = 2000;

    private static final DateTimeFormatter MINUTE_ID = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm").withZone(ZoneOffset.UTC);

    private final PriceTable prices;
    private final MonthlyTokens months;

    UsageLedger(PriceTable prices, MonthlyTokens months) {
        this.prices = prices;
        this.months = months;
    }

    /** The {@code chat.usage_delta} data of one model call. */
    Map<String, Object> eventData(String agent, ModelResponse response, long durationMs) {
        Usage usage = response.usage();
        BigDecimal cost = cost(usage, response.model());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("agent", agent);
        data.put("agent_name", agent);
        data.put("model_name", response.model());
        data.put(PROMPT_TOKENS, usage.promptTokens());
        data.put(COMPLETION_TOKENS, usage.completionTokens());
        data.put(TOTAL_TOKENS, usage.totalTokens());
        // The engine has no response cache: a reply is never "cached" in the old runtime's sense (0 tokens);
        // prompt tokens the provider served from its prompt cache are reported apart.
        data.put("cached", false);
        data.put("cached_tokens", usage.cachedTokens() == null ? 0 : usage.cachedTokens());
        data.put(COST_USD, cost == null ? null : cost.doubleValue());
        data.put("duration_ms", durationMs);
        data.put("estimated", usage.estimated());
        return data;
    }

    /** The cost of a call in USD, or {@code null} when the model has no price. */
    BigDecimal cost(Usage usage, String model) {
        return prices.find(model).isEmpty() ? null : UsageCost.of(usage, model, prices);
    }

    /** Sums of some usage events. */
    record Totals(long prompt, long completion, long total, long cached, BigDecimal cost, long calls, long unpriced,
                  Instant first) {
        static final Totals NONE = new Totals(0, 0, 0, 0, BigDecimal.ZERO, 0, 0, null);

        boolean isEmpty() {
            return calls == 0;
        }

        Totals plus(Totals other) {
            return new Totals(prompt + other.prompt, completion + other.completion, total + other.total, cached + other.cached,
                    cost.add(other.cost), calls + other.calls, unpriced + other.unpriced, first != null ? first : other.first);
        }
    }

    /** The totals of the usage events among a step's events, all stamped {@code stamp}. */
    Totals totals(List<NewEvent> events, Instant stamp) {
        Totals totals = Totals.NONE;
        for (NewEvent event : events) {
            if (event.kind() != EventKind.USAGE_DELTA) {
                continue;
            }
            Map<String, ?> data = event.data();
            int prompt = number(data.get(PROMPT_TOKENS));
            int completion = number(data.get(COMPLETION_TOKENS));
            int total = number(data.get(TOTAL_TOKENS));
            int cached = Math.min(number(data.get("cached_tokens")), prompt);
            Object model = data.containsKey("model_name") ? data.get("model_name") : data.get("model");
            BigDecimal cost = cost(Usage.reported(prompt, completion, Math.max(total, 0), cached),
                    model == null ? null : model.toString());
            totals = totals.plus(new Totals(prompt, completion, total, cached, cost == null ? BigDecimal.ZERO : cost,
                    1, cost == null ? 1 : 0, stamp));
        }
        return totals;
    }

    private static int number(Object value) {
        return value instanceof Number number ? Math.max(0, number.intValue()) : 0;
    }

    /** The bucket's id: {@code <app_id>:<yyyy-MM-ddTHH:mm>} (UTC). */
    static String bucketId(String appId, Instant at) {
        return appId + ":" + MINUTE_ID.format(at);
    }

    /**
     * One upsert adding a step's usage to its minute bucket, unless the bucket already counted that step.
     * A bucket that exists with the step's marker makes the upsert try an insert that collides on
     * {@code _id}; the collision is retried once as a plain update (two steps creating one bucket at once
     * collide the same way), which then matches nothing when the step was counted. The write that counted the step
     * adds its tokens to the month's counter ({@code monthCounters}, {@code usage_months}).
     */
    Mono<Void> addToMinute(AppCollection minutes, AppCollection monthCounters, String chatId, long stepSeq, Totals totals) {
        if (totals.isEmpty()) {
            return Mono.empty();
        }
        Instant minute = totals.first().truncatedTo(ChronoUnit.MINUTES);
        String marker = chatId + ":" + stepSeq;
        Bson filter = and(eq("_id", bucketId(minutes.appId().value(), minute)), ne(STEPS, marker));
        Bson update = Updates.combine(
                Updates.set(MINUTE, Date.from(minute)),
                Updates.inc(PROMPT_TOKENS, totals.prompt()),
                Updates.inc(COMPLETION_TOKENS, totals.completion()),
                Updates.inc(TOTAL_TOKENS, totals.total()),
                Updates.inc(COST_USD, new Decimal128(totals.cost())),
                Updates.inc(CALLS, totals.calls()),
                Updates.inc(UNPRICED_CALLS, totals.unpriced()),
                Updates.pushEach(STEPS, List.of(marker), new PushOptions().slice(-MAX_MARKERS)));
        return minutes.updateOne(filter, update, true)
                .onErrorResume(Duplicates::isDuplicate, collided -> minutes.updateOne(filter, update, false))
                .filter(result -> result.getUpsertedId() != null || result.getMatchedCount() > 0)
                .flatMap(counted -> months.add(minutes, monthCounters, minute, totals.total()));
    }
}
