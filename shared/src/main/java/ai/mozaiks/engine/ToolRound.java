package ai.mozaiks.engine;

import static ai.mozaiks.session.EventData.data;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.http.Json;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.payloads.PayloadStore;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.session.Duplicates;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.NewEvent;
import ai.mozaiks.workflows.manifest.ToolSpec;
import ai.mozaiks.workflows.manifest.ToolType;
import ai.mozaiks.workflows.manifest.UiBinding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An agent's tool calls: each answered by its tool through the {@link ToolRegistry} (or by a handoff, or left to the
 * user for a UI tool), and each result recorded in {@code tool_results} before the step commits, so a redelivered step
 * (which answers the same calls: the reply is the one {@link ReplyJournal} recorded) takes the result from the record
 * instead of calling the tool twice. A call whose result was not recorded (the attempt died during it) is made again,
 * with the same idempotency key ({@link ToolInvocation#idempotencyKey()}), so a tool can tell the repeat.
 *
 * <p>A tool sets context variables by answering an object with a {@code context_updates} member ({@code {"context_updates":
 * {"app_ready": true}, ...}}): it is taken out of what the model sees, checked in call order
 * ({@link ContextState#applyToolUpdates}), and what it set and refused is recorded with the result (so a redelivered step
 * sets the same), applied before the next handoff is chosen, and shown on the {@code tool_response} event.
 *
 * <p>A result longer than the conversation keeps ({@link ConversationState#MAX_MESSAGE_CHARS}) is written whole to the
 * {@link PayloadStore} before its record: the record, the conversation and the event keep its head, its full size and
 * the payload's id. (An executor built without a payload store keeps the whole result in the record, which the tools'
 * answer limit keeps under 1 MiB.)
 */
final class ToolRound {
    private static final String CALL_ID = StepExecutor.TOOL_CALL_ID;
    private static final String STEP_SEQ = "step_seq";
    private static final String CHAT_ID = "chat_id";
    private static final String RESULT_CHARS = "result_chars";
    private static final String PAYLOAD_ID = "payload_id";
    /** The member of a tool's answer that sets context variables. */
    static final String CONTEXT_UPDATES = "context_updates";
    /** The most characters of one set variable's JSON its {@code tool_response} event shows. */
    static final int MAX_EVENT_VALUE_CHARS = 256;
    /** The payload kind of a tool's result; its stable id is {@code <step_seq>-<call id>}. */
    static final String TOOL_PAYLOAD = "tool";
    private static final ObjectMapper JSON = Json.mapper();
    /**
     * The most characters of a tool's result its {@code tool_response} event shows. The step's events wait in the chat
     * document's outbox until they are in the log, so ten large results in one reply must not add up to megabytes there;
     * the whole result is a payload, or in {@code tool_results}.
     */
    static final int MAX_EVENT_CHARS = 16 * 1024;

    private final ToolRegistry tools;
    private final StepHooks hooks;
    private final Clock clock;
    private final PayloadStore payloads;

    /** {@code payloads}: where a long result is kept whole; {@code null} keeps it whole in its record. */
    ToolRound(ToolRegistry tools, StepHooks hooks, Clock clock, PayloadStore payloads) {
        this.tools = tools;
        this.hooks = hooks;
        this.clock = clock;
        this.payloads = payloads;
    }

    /** What an agent's tool calls came to: the tool messages, the agent a handoff goes to, and whether a UI tool waits. */
    record Outcome(List<ConversationState.Message> messages, String transfer, boolean uiWait) {
    }

    /** The results an earlier attempt of this step recorded, by call id. */
    static Mono<Map<String, Document>> recorded(AppCollection results, StepMessage message) {
        return results.find(and(eq(CHAT_ID, message.chatId()), eq(STEP_SEQ, message.stepSeq())), null, 0)
                .collectMap(doc -> doc.getString(CALL_ID), doc -> doc);
    }

    /** Answers the reply's tool calls in order, each with its {@code tool_call} and {@code tool_response} events. */
    Mono<Outcome> run(AppCollection results, Turn turn, String agent, Reply reply, Map<String, Document> recorded) {
        List<ToolCall> calls = reply.message().toolCalls();
        Map<String, RequestBuilder.Transfer> transfers = RequestBuilder.transfers(turn.workflow, agent);
        // The last handoff among the calls decides where the conversation goes; any UI tool makes the chat wait.
        String transfer = calls.stream().map(call -> transfers.get(call.name())).filter(Objects::nonNull)
                .reduce((first, second) -> second).map(RequestBuilder.Transfer::target).orElse(null);
        boolean uiWait = calls.stream().anyMatch(call -> !transfers.containsKey(call.name()) && uiTool(turn, agent, call).isPresent());
        return Flux.fromIterable(calls).index()
                .concatMap(call -> answer(results, turn, agent, call.getT2(), call.getT1().intValue(), transfers, recorded))
                .map(answer -> {
                    // The event rides in the chat's outbox with the step's other events: it carries a bounded preview.
                    Map<String, Object> response = data("agent", agent, CALL_ID, answer.call().id(),
                            "tool_name", answer.call().name(), "content", answer.bounded(MAX_EVENT_CHARS));
                    if (answer.chars() > MAX_EVENT_CHARS) {
                        response.put("content_chars", answer.chars());
                        response.put("truncated", true);
                    }
                    if (answer.payloadId() != null) {
                        response.put("payload_id", answer.payloadId());
                    }
                    if (answer.set() != null) {
                        answer.set().applyTo(turn, response);
                    }
                    turn.event(EventKind.TOOL_RESPONSE, response);
                    return ConversationState.Message.tool(answer.call().id(), answer.bounded(ConversationState.MAX_MESSAGE_CHARS));
                })
                .collectList()
                .map(messages -> new Outcome(messages, transfer, uiWait));
    }

    /**
     * What a tool's {@code context_updates} set ({@link ContextState#applyToolUpdates}, against the variables as the call
     * found them) and refused: recorded with its result as such, so a redelivered step sets the same.
     */
    private record VariablesSet(Map<String, Object> applied, List<ContextState.Refusal> refused) {
        private static final String APPLIED = "applied";
        private static final String REFUSED = "refused";

        static VariablesSet of(Turn turn, JsonNode updates) {
            ContextState.ToolUpdates set = ContextState.applyToolUpdates(turn.workflow, updates, turn.state.variables());
            return new VariablesSet(set.applied(), set.refused());
        }

        /** As the record keeps it: JSON text, since the names are the tool's and not ours to use as field names. */
        String toJson() {
            List<Map<String, Object>> notes = refused.stream().map(VariablesSet::note).toList();
            Map<String, Object> record = new java.util.LinkedHashMap<>();
            record.put(APPLIED, applied);
            record.put(REFUSED, notes);
            return Json.write(record);
        }

        static VariablesSet fromJson(String json) {
            JsonNode record = Json.read(json);
            Map<String, Object> applied = new java.util.LinkedHashMap<>();
            record.path(APPLIED).fields().forEachRemaining(field -> applied.put(field.getKey(), ContextState.plain(field.getValue())));
            List<ContextState.Refusal> refused = new java.util.ArrayList<>();
            record.path(REFUSED).forEach(note -> refused.add(new ContextState.Refusal(note.path("name").textValue(), note.path("reason").asText())));
            return new VariablesSet(applied, refused);
        }

        /** Sets the variables on the turn and notes on its event what was set (long values as their size) and refused. */
        void applyTo(Turn turn, Map<String, Object> event) {
            Map<String, Object> values = new java.util.LinkedHashMap<>(turn.state.variables());
            values.putAll(applied);
            turn.state = turn.state.withVariables(values);
            Map<String, Object> shown = new java.util.LinkedHashMap<>();
            applied.forEach((name, value) -> {
                String json = Json.write(value);
                shown.put(name, json.length() <= MAX_EVENT_VALUE_CHARS ? value : "(" + json.length() + " characters of JSON)");
            });
            event.put(CONTEXT_UPDATES, new Document(shown));
            if (!refused.isEmpty()) {
                // A list, not a document: the names are the tool's.
                event.put("context_refused", refused.stream().map(refusal -> new Document(note(refusal))).toList());
            }
        }

        private static Map<String, Object> note(ContextState.Refusal refusal) {
            Map<String, Object> note = new java.util.LinkedHashMap<>();
            if (refusal.name() != null) {
                note.put("name", refusal.name());
            }
            note.put("reason", refusal.reason());
            return note;
        }
    }

    /**
     * A call's answer: its content (the head of a result kept as a payload), its full length, the payload's id, and the
     * context variables it set ({@code null}: it asked for none).
     */
    private record Answer(ToolCall call, String content, int chars, String payloadId, VariablesSet set) {

        Answer(ToolCall call, String content) {
            this(call, content, content == null ? 0 : content.length(), null, null);
        }

        /** The content in at most {@code max} characters, a note giving the full size when cut. */
        String bounded(int max) {
            return ConversationState.bounded(content, max, Math.max(chars, content == null ? 0 : content.length()));
        }
    }

    private Mono<Answer> answer(AppCollection results, Turn turn, String agent, ToolCall call, int index,
                                Map<String, RequestBuilder.Transfer> transfers, Map<String, Document> recorded) {
        turn.event(EventKind.TOOL_CALL, data("agent", agent, CALL_ID, call.id(), "tool_name", call.name(),
                "arguments", Document.parse(call.argumentsJson())));
        RequestBuilder.Transfer handoff = transfers.get(call.name());
        if (handoff != null) {
            return Mono.just(new Answer(call, "Transferring to " + handoff.target()));
        }
        Optional<ToolSpec> ui = uiTool(turn, agent, call);
        if (ui.isPresent()) {
            // The user answers it: the call is shown as waiting for a response, and the step ends waiting for it.
            turn.out.set(turn.out.size() - 1, new NewEvent(turn.out.get(turn.out.size() - 1).key(), EventKind.TOOL_CALL,
                    data("agent", agent, CALL_ID, call.id(), "tool_name", call.name(),
                            "arguments", Document.parse(call.argumentsJson()), "awaiting_response", true,
                            "component_type", ui.get().ui().map(binding -> binding.component()).orElse(call.name()),
                            "display", ui.get().ui().flatMap(binding -> binding.mode()).orElse(UiBinding.Mode.INLINE)
                                    .name().toLowerCase(Locale.ROOT))));
            return Mono.empty();
        }
        Document previous = recorded.get(call.id());
        if (previous != null) {
            String result = previous.getString("result");
            Number chars = previous.get(RESULT_CHARS, Number.class);
            String set = previous.getString(CONTEXT_UPDATES);
            return Mono.just(new Answer(call, result, chars == null ? result == null ? 0 : result.length() : chars.intValue(),
                    previous.getString(PAYLOAD_ID), set == null ? null : VariablesSet.fromJson(set)));
        }
        return execute(results, turn, agent, call, index, spec(turn, agent, call));
    }

    private static Optional<ToolSpec> spec(Turn turn, String agent, ToolCall call) {
        return turn.workflow.tools().forAgent(agent).stream().filter(tool -> tool.name().equals(call.name())).findFirst();
    }

    private static Optional<ToolSpec> uiTool(Turn turn, String agent, ToolCall call) {
        return spec(turn, agent, call).filter(tool -> tool.type() == ToolType.UI_TOOL);
    }

    private Mono<Answer> execute(AppCollection results, Turn turn, String agent, ToolCall call, int index,
                                 Optional<ToolSpec> spec) {
        Mono<JsonNode> result = spec.isEmpty()
                ? Mono.just(error("the agent has no tool named " + call.name()))
                // The hook is outside the tool's error handling: a crash there ends the attempt, it is no tool failure.
                : Mono.fromRunnable(() -> hooks.beforeToolCall(turn.message.chatId(), turn.message.stepSeq(), call.id()))
                        .then(tools.call(new ToolInvocation(turn.message.appId().value(), turn.message.chatId(), turn.message.stepSeq(),
                                        agent, spec.get(), call, index, turn.state.variables()))
                                .defaultIfEmpty(JSON.nullNode())
                                .onErrorResume(failure -> Mono.just(error(String.valueOf(failure.getMessage())))));
        return result.flatMap(answered -> {
            // What the tool sets is not the model's to see: it is taken out of the answer, and kept with its record.
            JsonNode updates = answered.isObject() ? answered.get(CONTEXT_UPDATES) : null;
            VariablesSet set = updates == null ? null : VariablesSet.of(turn, updates);
            JsonNode value = answered;
            if (updates != null) {
                ObjectNode rest = ((ObjectNode) answered).deepCopy();
                rest.remove(CONTEXT_UPDATES);
                value = rest;
            }
            String content = value.isTextual() ? value.asText() : value.toString();
            // A long result is written whole before the record refers to it: the record keeps what the conversation keeps.
            Mono<Answer> kept = payloads == null || content.length() <= ConversationState.MAX_MESSAGE_CHARS
                    ? Mono.just(new Answer(call, content, content.length(), null, set))
                    : payloads.put(turn.message.appId(), turn.message.chatId(), TOOL_PAYLOAD, turn.message.stepSeq() + "-" + call.id(), content)
                            .map(stored -> new Answer(call, PayloadStore.preview(content, ConversationState.MAX_MESSAGE_CHARS),
                                    content.length(), stored.payloadId(), set));
            return kept.flatMap(answer -> {
                Document record = new Document(CHAT_ID, turn.message.chatId())
                        .append(STEP_SEQ, turn.message.stepSeq())
                        .append(CALL_ID, call.id())
                        .append("tool_name", call.name())
                        .append("result", answer.content())
                        .append("recorded_at", Date.from(clock.instant().truncatedTo(ChronoUnit.MILLIS)));
                if (answer.payloadId() != null) {
                    record.append(RESULT_CHARS, answer.chars()).append(PAYLOAD_ID, answer.payloadId());
                }
                if (set != null) {
                    record.append(CONTEXT_UPDATES, set.toJson());
                }
                return results.insertOne(record)
                        .onErrorResume(Duplicates::isDuplicate, duplicate -> Mono.empty())
                        .then(Mono.fromRunnable(() -> hooks.afterToolRecorded(turn.message.chatId(), turn.message.stepSeq(), call.id())))
                        .thenReturn(answer);
            });
        });
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }
}
