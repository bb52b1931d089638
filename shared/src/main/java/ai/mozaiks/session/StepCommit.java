package ai.mozaiks.session;

import com.mongodb.client.model.PushOptions;
import com.mongodb.client.model.Updates;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Decimal128;

/**
 * What a step's commit changes in its chat besides status, step and conversation: built up by the turn, written by
 * {@link ChatStore#commit} in the commit's one update.
 */
public final class StepCommit {
    /** Fields of {@code chat_sessions}: the chat's running usage totals. */
    static final String USAGE_PROMPT_TOKENS = "usage_prompt_tokens";
    static final String USAGE_COMPLETION_TOKENS = "usage_completion_tokens";
    static final String USAGE_TOTAL_TOKENS = "usage_total_tokens";
    static final String USAGE_CACHED_TOKENS = "usage_cached_tokens";
    static final String USAGE_COST_USD = "usage_cost_usd";
    static final String USAGE_CALLS = "usage_calls";

    private final List<Bson> changes = new ArrayList<>();
    private final List<Bson> usage = new ArrayList<>();

    /** Pins the workflow version the chat's first step ran. */
    public void pinWorkflow(String ref) {
        changes.add(Updates.set(ChatFields.WORKFLOW_REF, ref));
    }

    /** Leaves the chat waiting for the children of this fan-out request. */
    public void awaitChildren(Document fanOut) {
        changes.add(Updates.set(ChatFields.FAN_OUT, fanOut));
    }

    /** Consumes an interrupt request. */
    public void clearInterrupt() {
        changes.add(Updates.unset(InputFields.INTERRUPT_REQUESTED));
    }

    /** Takes the oldest pending input into the conversation, remembering it as accepted under its event key. */
    public void takeFirstPending(String inputKey, long seq) {
        changes.add(Updates.popFirst(InputFields.PENDING_INPUTS));
        changes.add(Updates.pushEach(InputFields.ACCEPTED_INPUTS,
                List.of(new Document(InputFields.KEY, inputKey).append(InputFields.SEQ, seq)),
                new PushOptions().slice(-InputFields.MAX_ACCEPTED)));
    }

    /** Adds a step's model usage to the chat's totals (nothing for a step without model calls). */
    public void addUsage(long prompt, long completion, long total, long cached, BigDecimal cost, long calls) {
        usage.clear();
        if (calls == 0) {
            return;
        }
        usage.add(Updates.inc(USAGE_PROMPT_TOKENS, prompt));
        usage.add(Updates.inc(USAGE_COMPLETION_TOKENS, completion));
        usage.add(Updates.inc(USAGE_TOTAL_TOKENS, total));
        usage.add(Updates.inc(USAGE_CACHED_TOKENS, cached));
        usage.add(Updates.inc(USAGE_COST_USD, new Decimal128(cost)));
        usage.add(Updates.inc(USAGE_CALLS, calls));
    }

    /** Drops the changes the turn asked for (a cancel replaces the turn's outcome); usage stays. */
    public void clear() {
        changes.clear();
    }

    /**
     * The commit's update: the next step and status, the lease cleared, the usage, the conversation's changes and the
     * events' seqs and outbox (the store's), and the turn's changes, in that order.
     */
    List<Bson> updates(long nextStep, ChatStatus status, Instant stamp, List<Bson> conversation, List<Bson> outboxUpdates,
                       boolean cancelling) {
        List<Bson> updates = new ArrayList<>(List.of(
                Updates.set(ChatFields.STEP_SEQ, nextStep),
                Updates.set(ChatFields.STATUS, status.wire()),
                Updates.set(ChatFields.UPDATED_AT, Date.from(stamp)),
                Updates.unset(ChatFields.LEASE_UNTIL),
                Updates.unset(ChatFields.LEASE_OWNER)));
        updates.addAll(usage);
        updates.addAll(conversation);
        updates.addAll(outboxUpdates);
        if (cancelling) {
            updates.add(Updates.unset(InputFields.CANCEL_REQUESTED));
        }
        updates.addAll(changes);
        if (status.terminal()) {
            updates.add(Updates.unset(InputFields.PENDING_INPUTS));
        }
        return updates;
    }
}
