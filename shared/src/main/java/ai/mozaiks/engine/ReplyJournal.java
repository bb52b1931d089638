package ai.mozaiks.engine;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.models.AssistantMessage;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.session.Duplicates;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import ai.mozaiks.session.EventKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Mono;

/**
 * A step's model responses, journaled in {@code step_replies} before anything acts on them (a tool runs, the step
 * commits): {@code {chat_id, step_seq, call, agent, c, tc, usage, recorded_at}}, one per call of the step
 * ({@value #SELECT}: the speaker selection, {@value #REPLY}: the agent's reply). A redelivered step reuses them instead
 * of asking the model again, so its tool calls keep their ids, and their tokens are counted once, when the step
 * commits. The insert is insert-if-absent on the unique key: when two attempts race, the stored one wins and both
 * go on with it. Records are needed only until the step commits; a TTL index drops them after a week (no write per step).
 */
final class ReplyJournal {
    static final String SELECT = "select";
    static final String REPLY = "reply";
    private static final String CHAT_ID = "chat_id";
    private static final String STEP_SEQ = "step_seq";
    private static final String CALL = "call";

    private final StepHooks hooks;
    private final Clock clock;

    ReplyJournal(StepHooks hooks, Clock clock) {
        this.hooks = hooks;
        this.clock = clock;
    }

    /** The responses an earlier attempt of the turn's step recorded, by call. */
    static Mono<Map<String, Document>> recorded(Turn turn) {
        return turn.replies.find(and(eq(CHAT_ID, turn.message.chatId()), eq(STEP_SEQ, turn.message.stepSeq())), null, 0)
                .collectMap(doc -> doc.getString(CALL), doc -> doc);
    }

    /**
     * Adds the usage of the responses an earlier attempt recorded to a turn that ends the step another way (a cancel, an
     * interrupt): those tokens were spent, so they count, once, with this step's commit.
     */
    static Mono<Void> countUnused(Turn turn) {
        return recorded(turn).doOnNext(found -> found.values().stream()
                .sorted(Comparator.comparing((Document stored) -> stored.getString(CALL)).reversed())
                .map(ReplyJournal::usage).filter(Objects::nonNull)
                .forEach(usage -> turn.event(EventKind.USAGE_DELTA, usage))).then();
    }

    /** Records a response unless an attempt of the step already did; answers the record that counts (the first one). */
    Mono<Document> record(Turn turn, String call, String agent, AssistantMessage message, Map<String, Object> usage) {
        List<Document> calls = new ArrayList<>();
        for (ToolCall toolCall : message.toolCalls()) {
            calls.add(new Document("id", toolCall.id()).append("name", toolCall.name()).append("args", toolCall.argumentsJson()));
        }
        Document record = new Document(CHAT_ID, turn.message.chatId())
                .append(STEP_SEQ, turn.message.stepSeq())
                .append(CALL, call)
                .append("agent", agent)
                .append("c", message.content())
                .append("tc", calls)
                .append("usage", usage == null ? null : new Document(usage))
                .append("recorded_at", Date.from(clock.instant().truncatedTo(ChronoUnit.MILLIS)));
        Bson key = and(eq(CHAT_ID, turn.message.chatId()), eq(STEP_SEQ, turn.message.stepSeq()), eq(CALL, call));
        return turn.replies.insertOne(record).thenReturn(record)
                .onErrorResume(Duplicates::isDuplicate, duplicate -> turn.replies.findOne(key).defaultIfEmpty(record))
                .doOnNext(stored -> hooks.afterModelRecorded(turn.message.chatId(), turn.message.stepSeq(), call));
    }

    /** An agent's reply as recorded, with its {@code usage_delta} data. */
    @SuppressWarnings("unchecked")
    static Reply reply(Document stored, String agent) {
        List<ToolCall> calls = new ArrayList<>();
        for (Document call : (List<Document>) stored.get("tc", List.class)) {
            calls.add(new ToolCall(call.getString("id"), call.getString("name"), ConversationState.parseObject(call.getString("args"))));
        }
        return new Reply(new AssistantMessage(stored.getString("c"), calls, agent), usage(stored));
    }

    /** The recorded response's text (a speaker selection's answer). */
    static String text(Document stored) {
        return stored.getString("c");
    }

    /** The recorded response's {@code usage_delta} data, or null. */
    static Map<String, Object> usage(Document stored) {
        Document usage = stored.get("usage", Document.class);
        return usage == null ? null : new LinkedHashMap<>(usage);
    }
}
