package ai.mozaiks.engine;

import static ai.mozaiks.session.EventData.data;
import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.Validation;
import ai.mozaiks.http.InputLimits;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.payloads.PayloadStore;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.Appended;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.EventRecorder;
import ai.mozaiks.session.InputFields;
import ai.mozaiks.session.NewEvent;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.AppStates;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.manifest.DoubleTexting;
import ai.mozaiks.workflows.manifest.StartupMode;
import com.fasterxml.jackson.databind.JsonNode;
import org.bson.Document;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;


/**
 * What a user sends to a running chat: a message, a UI tool's answer, a cancel. The HTTP endpoints
 * (and later the Web PubSub upstream handler) call it once they have authorised the runtime token for
 * {@code {app_id, user_id, chat_id}}; a chat of another user is answered 404, as one that does not exist.
 *
 * <ul>
 *   <li><b>A waiting chat</b> ({@code awaiting_input}) takes a message at once: its {@code chat.text}
 *       (key {@code input:<client_message_id>}) and {@code chat.input_ack} are appended, then one update
 *       conditional on the chat's {@code step_seq} and status stores the conversation with the message and
 *       sets {@code running}, and the step {@code step_seq} is enqueued. A step that starts on this instance has its lease
 *       taken by that same update ({@link StepQueue.Ahead#lease}), so it needs no claim of its own.</li>
 *   <li><b>A running chat</b> applies the workflow's {@code double_texting}: {@code enqueue} keeps the message in
 *       {@code pending_inputs} (its {@code chat.text} is appended now, in order of receipt); the executor takes it
 *       when it would next wait for the user ({@link StepExecutor}, at its step boundary), and {@link #drainPending}
 *       takes it for a chat that already waits. {@code reject} answers 409 {@code turn_in_progress}.
 *       {@code interrupt} keeps it pending and sets {@code interrupt_requested}: at its next step boundary the
 *       executor runs no agent and takes the message instead.</li>
 *   <li><b>Idempotency.</b> A message is known by its {@code client_message_id}: a retry finds it in
 *       {@code accepted_inputs} or {@code pending_inputs} and answers as the first time, appending and enqueueing
 *       nothing. The event keys make the appends idempotent too, so a retry after a crash between the append
 *       and the update reuses the stored events. The same id with another text is refused (422
 *       {@code client_message_id_reused}), as a reused {@code Idempotency-Key} is.</li>
 *   <li><b>Run slots.</b> What makes a top-level chat run (a message to a waiting chat, its first message, a message
 *       drained from {@code pending_inputs}, the last UI tool answer it waits for, a fan-in) takes a run slot first
 *       ({@link RunQueue}). With none free the input is taken all the same, but the chat goes {@code queued} and no step
 *       is enqueued: the answer's status is {@code queued} and the {@code chat.input_ack} (or {@code chat.tool_response})
 *       says {@code queued: true}. It runs in turn when a slot frees. A queued chat keeps further messages pending.</li>
 *   <li><b>The app's state.</b> A suspended or deleted app's chats take no message and no UI tool answer (409
 *       {@code app_suspended} / {@code app_deleted}, from {@link AppStates}, before anything is written: a message's
 *       chat is read beside the app's state, and that refusal still comes first); a cancel is still taken.</li>
 *   <li><b>Large UI tool answers.</b> An answer of more than {@value #INLINE_UI_RESPONSE_CHARS} characters of JSON (up to
 *       {@link InputLimits#MAX_UI_RESPONSE_CHARS}) is written whole to the chat's {@link PayloadStore} first; the
 *       conversation message keeps its head and a note of its full size (what the model sees), and the
 *       {@code chat.tool_response} event that head, the size and the payload's id. The context variables an answer sets
 *       are bounded on their own ({@link #boundedVariables}): one over {@value #INLINE_UI_RESPONSE_CHARS} characters, or
 *       the largest while all the variables are over {@value #UI_VARIABLES_BUDGET} bytes of JSON, become a summary naming the answer's
 *       payload (written then even for a small answer), so no document approaches Cosmos DB's 2 MB item limit.</li>
 *   <li><b>Cancel</b> is cooperative and visible: a waiting or queued chat is {@code cancelled} at once with a
 *       {@code chat.run_complete}; a running one gets {@code cancel_requested}, which the executor commits as
 *       {@code cancelled} at its next step boundary (before claiming work, or when the turn commits).</li>
 * </ul>
 */
public final class ChatInputs {
    public static final int MAX_TEXT = 16_000;
    /** The most characters of JSON a UI tool's answer may have to be kept whole on the chat's documents. */
    public static final int INLINE_UI_RESPONSE_CHARS = PayloadStore.PREVIEW_CHARS;
    /**
     * The most bytes of JSON (UTF-8, as BSON stores strings) the context variables may have after a UI tool's answer before
     * those it set are summarised.
     */
    public static final int UI_VARIABLES_BUDGET = 256 * 1024;
    /** The preview a summarised variable keeps when even shorter previews leave the variables over the budget. */
    static final int SHORT_PREVIEW_CHARS = 256;
    /** The payload kind of a UI tool's answer kept in the {@link PayloadStore}. */
    static final String UI_PAYLOAD = "ui";
    /** Marks an acknowledged input whose chat waits for a run slot ({@code chat.input_ack}, {@code chat.tool_response}). */
    static final String QUEUED = "queued";
    static final int MAX_ID = 120;
    /** Rounds of read-then-conditional-update when a concurrent change made the update miss. */
    private static final int ATTEMPTS = 4;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

    private final AppDatabases databases;
    private final EventRecorder recorder;
    private final ChatWorkflows workflows;
    private final Clock clock;
    private final int window;
    private final AppStates apps;
    private final RunQueue runs;
    private final PayloadStore payloads;

    /**
     * {@code apps}: a suspended or deleted app takes no message and no UI tool answer (409); a cancel is still taken.
     * {@code runs}: what makes a chat run takes a run slot first, or queues it.
     * {@code payloads}: where a large UI tool answer is kept whole.
     */
    public ChatInputs(AppDatabases databases, EventLog events, ChatFeed feed, ChatWorkflows workflows, Clock clock, EngineSettings settings, AppStates apps, RunQueue runs,
                      PayloadStore payloads) {
        this.databases = databases;
        this.payloads = payloads;
        this.runs = runs;
        this.recorder = new EventRecorder(events, feed);
        this.workflows = workflows;
        this.clock = clock;
        this.window = settings.window();
        this.apps = apps;
    }

    /** What an input came to: the event that records it and the chat's status after it. */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record InputResult(String chatId, boolean accepted, long seq, ChatStatus status) {
    }

    /** What a cancel came to: the chat's status, and whether a running turn was asked to stop. */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CancelResult(String chatId, ChatStatus status, boolean cancelRequested) {
    }

    // ---- messages ----

    public Mono<InputResult> submitMessage(AppId appId, String userId, String chatId, String clientMessageId, String text) {
        return Mono.defer(() -> {
            new Validation()
                    .require(clientMessageId != null && !clientMessageId.isBlank(), "client_message_id", "is required")
                    .require(clientMessageId == null || clientMessageId.isBlank()
                                    || clientMessageId.length() <= MAX_ID && ID.matcher(clientMessageId).matches(),
                            "client_message_id", "must be 1-" + MAX_ID + " letters, digits, '_', '.' or '-'")
                    .require(text != null && !text.isBlank(), "text", "must not be blank")
                    .require(text == null || text.length() <= MAX_TEXT, "text", "must be at most " + MAX_TEXT + " characters")
                    .check();
            // The chat is read beside the app's state (when that is not cached): nothing is written before both are known,
            // and a suspended app's refusal comes first, before any failure of the read.
            Mono<Document> chat = chats(appId).flatMap(chats -> owned(chats, userId, chatId)).cache();
            chat.subscribe(found -> { }, error -> { });
            return apps.requireActive(appId).then(chats(appId)).flatMap(chats -> submit(appId, chats, userId, chatId, clientMessageId,
                    text, ATTEMPTS, chat));
        });
    }

    /** {@code read}: the chat as just read; each retry after a missed update reads it again. */
    private Mono<InputResult> submit(AppId appId, ChatStore chats, String userId, String chatId, String id, String text,
                                     int attempts, Mono<Document> read) {
        return read.flatMap(chat -> {
            ChatStatus status = status(chat);
            Optional<Long> known = acceptedSeq(chat, InputFields.inputKey(id)).or(() -> pendingSeq(chat, id));
            if (known.isPresent()) {
                // A retry answers as the first time; the same id with other text is a client bug, refused like a
                // reused Idempotency-Key rather than silently answered with the first message's result.
                return sameText(appId, chat, id, text).thenReturn(new InputResult(chatId, true, known.get(), status));
            }
            if (status.terminal()) {
                return Mono.error(terminal(status));
            }
            if (attempts <= 0) {
                return Mono.error(busy());
            }
            ConversationState state = conversation(chat);
            if (status == ChatStatus.AWAITING_INPUT && state != null && pendingUiCalls(state).isEmpty()) {
                return takeNow(appId, chats, chat, state, id, text)
                        .switchIfEmpty(Mono.defer(() -> submit(appId, chats, userId, chatId, id, text, attempts - 1,
                                owned(chats, userId, chatId))));
            }
            if (status == ChatStatus.AWAITING_INPUT && state == null) {
                // A chat created waiting, before its first step: the message waits for it, and the first step runs now.
                return keepPending(appId, chats, chat, id, text, false, true)
                        .switchIfEmpty(Mono.defer(() -> submit(appId, chats, userId, chatId, id, text, attempts - 1,
                                owned(chats, userId, chatId))));
            }
            return workflow(appId, chat).flatMap(workflow -> {
                DoubleTexting policy = workflow.map(w -> w.orchestrator().doubleTexting()).orElse(DoubleTexting.ENQUEUE);
                // A user-driven chat's first step only waits for its first message: no turn is in progress yet.
                boolean firstMessage = state == null
                        && workflow.map(w -> w.orchestrator().startupMode() == StartupMode.USER_DRIVEN).orElse(false);
                if (policy == DoubleTexting.REJECT && !firstMessage) {
                    return Mono.error(ApiException.conflict("turn_in_progress",
                            "A turn is in progress; this workflow does not take messages until it waits for input."));
                }
                if (ChatStore.pendingInputs(chat).size() >= InputFields.MAX_PENDING) {
                    return Mono.error(ApiException.conflict("too_many_pending_inputs",
                            "This chat already holds " + InputFields.MAX_PENDING + " messages waiting for their turn."));
                }
                return keepPending(appId, chats, chat, id, text, policy == DoubleTexting.INTERRUPT, false)
                        .switchIfEmpty(Mono.defer(() -> submit(appId, chats, userId, chatId, id, text, attempts - 1,
                                owned(chats, userId, chatId))));
            });
        });
    }

    /** A waiting chat takes the message now; empty when the chat changed under the update. */
    private Mono<InputResult> takeNow(AppId appId, ChatStore chats, Document chat, ConversationState state, String id,
                                      String text) {
        String chatId = chat.getString(ChatFields.CHAT_ID);
        long step = stepSeq(chat);
        // The step this message makes due is readied while the message is written (one started here sends its fallback
        // message meanwhile). Ended without the step started: a missed update wrote nothing, so all is taken back; a
        // failure or a cancel may come after the chat's update was sent, so the fallback message stays (it resumes the
        // step if the chat runs, and is dropped as stale if not) and only the slot is given back.
        return Mono.usingWhen(Mono.fromSupplier(() -> runs.ahead(appId, chatId, step)),
                ahead -> takeNow(appId, chats, chat, state, id, text, step, ahead),
                StepQueue.Ahead::cancel, (ahead, error) -> ahead.abandon(), StepQueue.Ahead::abandon);
    }

    private Mono<InputResult> takeNow(AppId appId, ChatStore chats, Document chat, ConversationState state, String id,
                                      String text, long step, StepQueue.Ahead ahead) {
        String chatId = chat.getString(ChatFields.CHAT_ID);
        return runs.admit(appId, chat).flatMap(status -> {
            List<NewEvent> batch = List.of(
                    new NewEvent(InputFields.inputKey(id), EventKind.TEXT, userText(id, text)),
                    new NewEvent(InputFields.ackKey(id), EventKind.INPUT_ACK, ack(id, status)));
            return recorder.recordSendingBehind(appId, chatId, batch).flatMap(appended -> reusedFor(appended.get(0), text)
                    .onErrorResume(reused -> runs.settle(appId, chatId).then(Mono.error(reused))).thenReturn(appended)).flatMap(appended -> {
                long seq = appended.get(0).event().seq();
                ConversationState next = state.afterUserInput(text, false, window);
                InputResult result = new InputResult(chatId, true, seq, status);
                Optional<StepQueue.Lease> lease = status == ChatStatus.RUNNING ? ahead.lease() : Optional.empty();
                if (lease.isPresent()) {
                    // The step starts here: this update takes its lease too, so it starts without a claim of its own.
                    Instant now = now();
                    return chats.acceptInputClaimed(chatId, InputFields.inputKey(id), seq, next.toDocument(), lease.get().lease(), now,
                                    now.plus(lease.get().duration()))
                            .flatMap(claimed -> ahead.due(claimed).thenReturn(result))
                            .switchIfEmpty(missed(appId, chatId));
                }
                return chats.acceptInput(chatId, step, InputFields.inputKey(id), seq, next.toDocument(), status, now())
                        .filter(taken -> taken)
                        .flatMap(taken -> runs.started(appId, chatId, step, status, ahead).thenReturn(result))
                        .switchIfEmpty(missed(appId, chatId));
            });
        });
    }

    /** A running chat keeps the message for later; empty when the chat changed under the update. */
    private Mono<InputResult> keepPending(AppId appId, ChatStore chats, Document chat, String id, String text,
                                          boolean interrupt, boolean start) {
        String chatId = chat.getString(ChatFields.CHAT_ID);
        ChatStatus status = status(chat);
        // A first message starts the chat's first step: that takes a run slot, or the chat waits for one.
        Mono<ChatStatus> startAs = start ? runs.admit(appId, chat) : Mono.just(status);
        return startAs.flatMap(to -> recorder.recordSendingBehind(appId, chatId, InputFields.inputKey(id), EventKind.TEXT, userText(id, text))
                .flatMap(appended -> reusedFor(appended, text)
                        .onErrorResume(reused -> (start ? runs.settle(appId, chatId) : Mono.<Void>empty()).then(Mono.error(reused)))
                        .thenReturn(appended))
                .flatMap(appended -> {
            long seq = appended.event().seq();
            Mono<Boolean> then = Mono.defer(() -> start
                    ? queuedAck(appId, chatId, id, seq, to).then(runs.started(appId, chatId, stepSeq(chat), to)).thenReturn(true)
                    : drainPending(appId, chatId).thenReturn(true));
            return chats.keepPending(chatId, status, id, text, seq, interrupt, start ? stepSeq(chat) : null, to, now())
                    .filter(kept -> kept)
                    .switchIfEmpty(start ? missed(appId, chatId) : Mono.empty())
                    // The executor may have gone to wait for input between our read and the push: take it now.
                    .flatMap(kept -> then)
                    .flatMap(ignored -> chats.find(chatId))
                    .map(after -> new InputResult(chatId, true, seq, status(after)));
        }));
    }

    /**
     * Takes the oldest pending message into a chat that waits for the user (not for a UI tool) and enqueues
     * its next step; answers whether it did. The executor takes pending input itself at its step boundary;
     * this covers a message kept pending just as the executor committed the wait. Safe to call at any time.
     */
    public Mono<Boolean> drainPending(AppId appId, String chatId) {
        return chats(appId).flatMap(chats -> chats.find(chatId)
                .flatMap(chat -> drainPending(appId, chats, chat))
                .defaultIfEmpty(false));
    }

    /** {@link #drainPending(AppId, String)} for a chat as just read (the runner reads it once, as it gives its slot back). */
    public Mono<Boolean> drainPending(AppId appId, Document chat) {
        return chats(appId).flatMap(chats -> drainPending(appId, chats, chat));
    }

    private Mono<Boolean> drainPending(AppId appId, ChatStore chats, Document chat) {
        String chatId = chat.getString(ChatFields.CHAT_ID);
        List<Document> pending = ChatStore.pendingInputs(chat);
        ConversationState state = conversation(chat);
        if (pending.isEmpty() || status(chat) != ChatStatus.AWAITING_INPUT || state == null || !pendingUiCalls(state).isEmpty()) {
            return Mono.just(false);
        }
        Document first = pending.get(0);
        String id = first.getString(InputFields.CLIENT_MESSAGE_ID);
        long seq = ((Number) first.get(InputFields.SEQ)).longValue();
        long step = stepSeq(chat);
        return runs.admit(appId, chat).flatMap(status -> {
            Map<String, Object> ack = data(InputFields.CLIENT_MESSAGE_ID, id, "seq", seq, "pending", true);
            if (status == ChatStatus.QUEUED) {
                ack.put(QUEUED, true);
            }
            return recorder.record(appId, chatId, InputFields.ackKey(id), EventKind.INPUT_ACK, ack)
                    .then(chats.takePending(chatId, step, id, InputFields.inputKey(id), seq,
                            state.afterUserInput(first.getString(InputFields.TEXT), false, window).toDocument(), status, now()))
                    .flatMap(taken -> taken ? runs.started(appId, chatId, step, status).thenReturn(true)
                            : missed(appId, chatId).thenReturn(false));
        });
    }

    // ---- UI tools ----

    public Mono<InputResult> respondToUiTool(AppId appId, String userId, String chatId, String toolCallId, JsonNode response) {
        return Mono.defer(() -> {
            new Validation()
                    .require(toolCallId != null && toolCallId.length() <= MAX_ID && ID.matcher(toolCallId).matches(),
                            "tool_call_id", "must be 1-" + MAX_ID + " letters, digits, '_', '.' or '-'")
                    .require(response != null && !response.isMissingNode(), "response", "is required")
                    .require(InputLimits.depth(response) <= InputLimits.MAX_DEPTH, "response",
                            "is nested deeper than " + InputLimits.MAX_DEPTH + " levels of objects and arrays")
                    .check();
            // A large answer is kept as a payload, but even that is bounded before anything is read or written.
            if (response.toString().length() > InputLimits.MAX_UI_RESPONSE_CHARS) {
                return Mono.error(new ApiException(InputLimits.tooLarge(
                        "A UI tool's response is at most " + InputLimits.MAX_UI_RESPONSE_CHARS + " characters of JSON.")));
            }
            return apps.requireActive(appId)
                    .then(chats(appId).flatMap(chats -> respond(appId, chats, userId, chatId, toolCallId, response, ATTEMPTS)));
        });
    }

    private Mono<InputResult> respond(AppId appId, ChatStore chats, String userId, String chatId, String callId,
                                      JsonNode response, int attempts) {
        String key = "ui:" + callId;
        return owned(chats, userId, chatId).flatMap(chat -> {
            ChatStatus status = status(chat);
            Optional<Long> known = acceptedSeq(chat, key);
            if (known.isPresent()) {
                // A retry answers as the first time; another answer to a call already answered is refused (a large one is
                // known by its payload id, which carries a digest of its content).
                String content = response.isTextual() ? response.asText() : response.toString();
                return recorder.stored(appId, chatId, key)
                        .filter(first -> !sameAnswer(first.data(), callId, content))
                        .flatMap(first -> Mono.<InputResult>error(alreadyAnswered(callId)))
                        .switchIfEmpty(Mono.fromSupplier(() -> new InputResult(chatId, true, known.get(), status)));
            }
            ConversationState state = conversation(chat);
            Map<String, PendingCall> waiting = status == ChatStatus.AWAITING_INPUT && state != null ? pendingUiCalls(state) : Map.of();
            PendingCall call = waiting.get(callId);
            if (call == null) {
                return Mono.error(ApiException.conflict("no_pending_ui_tool", "The chat is not waiting for UI tool call " + callId + "."));
            }
            if (attempts <= 0) {
                return Mono.error(busy());
            }
            return workflow(appId, chat).flatMap(found -> {
                if (found.isEmpty()) {
                    return Mono.error(ApiException.conflict("unknown_workflow", "The chat's workflow is no longer available."));
                }
                Workflow workflow = found.get();
                String content = response.isTextual() ? response.asText() : response.toString();
                long step = stepSeq(chat);
                boolean large = content.length() > INLINE_UI_RESPONSE_CHARS;
                // A large answer's conversation message and event keep its head and a note of its size.
                String shown = ConversationState.bounded(content, INLINE_UI_RESPONSE_CHARS);
                ConversationState next = state.withMessages(List.of(ConversationState.Message.tool(callId, shown)), window);
                Map<String, Object> before = next.variables();
                // Variables a large answer (or many definitions mapping a small one) would bloat the chat with are kept as
                // summaries naming the answer's payload; its id is a digest of the content, known before it is written.
                String payloadId = PayloadStore.payloadId(UI_PAYLOAD, callId, content);
                BoundedVariables variables = boundedVariables(before,
                        ContextState.applyUiResponse(workflow, call.call().name(), response, before), payloadId);
                // The answer is written whole before any document refers to it.
                Mono<Void> kept = large || variables.summarised() ? payloads.put(appId, chatId, UI_PAYLOAD, callId, content).then() : Mono.empty();
                return kept.then(Mono.defer(() -> {
                    ConversationState stored = next.withVariables(variables.values());
                    // The last answer the chat waits for makes it run: that takes a run slot, or the chat waits for one.
                    Mono<ChatStatus> going = waiting.size() > 1 ? Mono.just(ChatStatus.AWAITING_INPUT) : runs.admit(appId, chat);
                    return going.flatMap(after -> {
                        Map<String, Object> data = data("agent", call.agent(), StepExecutor.TOOL_CALL_ID, callId,
                                "tool_name", call.call().name(), "content", shown);
                        if (!large) {
                            data.put("ui_response", ContextState.plain(response));
                        } else {
                            data.put("content_chars", content.length());
                            data.put("truncated", true);
                            data.put("payload_id", payloadId);
                        }
                        if (after == ChatStatus.QUEUED) {
                            data.put(QUEUED, true);
                        }
                        return recorder.recordSendingBehind(appId, chatId, key, EventKind.TOOL_RESPONSE, data).flatMap(appended -> {
                            if (appended.duplicate() && !sameAnswer(appended.event().data(), callId, content)) {
                                // Another answer to this call was recorded first and is being applied: the event log and
                                // the conversation must hold the same answer, so this one is refused as a later one is.
                                Mono<Void> release = after == ChatStatus.AWAITING_INPUT ? Mono.empty() : runs.settle(appId, chatId);
                                return release.then(Mono.<InputResult>error(alreadyAnswered(callId)));
                            }
                            long seq = appended.event().seq();
                            return chats.acceptInput(chatId, step, key, seq, stored.toDocument(), after, now())
                                    .filter(taken -> taken)
                                    .flatMap(taken -> runs.started(appId, chatId, step, after).thenReturn(true))
                                    .switchIfEmpty(after == ChatStatus.RUNNING ? missed(appId, chatId) : Mono.empty())
                                    .map(ignored -> new InputResult(chatId, true, seq, after));
                        });
                    });
                })).switchIfEmpty(Mono.defer(() -> respond(appId, chats, userId, chatId, callId, response, attempts - 1)));
            });
        });
    }

    /** Whether a stored answer's event records this answer: the same content, or the payload this content would be. */
    private static boolean sameAnswer(Map<String, Object> first, String callId, String content) {
        Object payloadId = first.get("payload_id");
        return payloadId != null ? payloadId.equals(PayloadStore.payloadId(UI_PAYLOAD, callId, content)) : content.equals(first.get("content"));
    }

    private static ApiException alreadyAnswered(String callId) {
        return ApiException.conflict("ui_tool_already_answered", "UI tool call " + callId + " was already answered with another response.");
    }

    /** The context variables as a UI tool's answer leaves them, and whether any of those it set is kept as a summary. */
    record BoundedVariables(Map<String, Object> values, boolean summarised) {
    }

    /**
     * The context variables an answer set, bounded so the chat document stays far under the 2 MB item limit: a value over
     * {@value #INLINE_UI_RESPONSE_CHARS} characters of JSON is kept as a summary (the answer's payload id, the value's size
     * as JSON, its first characters); then, while all the variables together are over {@value #UI_VARIABLES_BUDGET}
     * bytes of JSON, the largest the answer set are summarised with a shorter preview, and, if that is not enough
     * (other variables hold most of the budget), every one it set with a {@value #SHORT_PREVIEW_CHARS}-character preview.
     * Variables the answer left alone are untouched. {@code payloadId} names the whole answer, written before the chat
     * refers to it.
     */
    static BoundedVariables boundedVariables(Map<String, Object> before, Map<String, Object> after, String payloadId) {
        Map<String, Object> bounded = new LinkedHashMap<>(after);
        // Of each variable the answer set: its JSON's length and head (a value may be megabytes: not kept whole).
        Map<String, Integer> chars = new LinkedHashMap<>();
        Map<String, String> heads = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, Object> variable : after.entrySet()) {
            String name = variable.getKey();
            Object value = variable.getValue();
            String json = ai.mozaiks.http.Json.write(value);
            if (value == null || value == before.get(name)) {
                total += entrySize(name, json);
                continue;
            }
            chars.put(name, json.length());
            heads.put(name, PayloadStore.preview(json, INLINE_UI_RESPONSE_CHARS));
            if (json.length() > INLINE_UI_RESPONSE_CHARS) {
                sizes.put(name, summarise(bounded, name, payloadId, json.length(), heads.get(name), INLINE_UI_RESPONSE_CHARS));
            } else {
                sizes.put(name, entrySize(name, json));
            }
            total += sizes.get(name);
        }
        if (total > UI_VARIABLES_BUDGET && !chars.isEmpty()) {
            // Room for every variable the answer set to be summarised within a quarter of the budget (escaping may double a preview).
            int preview = Math.max(SHORT_PREVIEW_CHARS, Math.min(INLINE_UI_RESPONSE_CHARS, UI_VARIABLES_BUDGET / (4 * chars.size())));
            for (int step = 0; step < 2 && total > UI_VARIABLES_BUDGET; step++) {
                List<String> largestFirst = chars.keySet().stream()
                        .sorted(java.util.Comparator.comparing((String name) -> sizes.get(name)).reversed()).toList();
                for (String name : largestFirst) {
                    if (total <= UI_VARIABLES_BUDGET) {
                        break;
                    }
                    Map<String, Object> summary = summary(payloadId, chars.get(name), heads.get(name), preview);
                    int size = entrySize(name, ai.mozaiks.http.Json.write(summary));
                    if (size < sizes.get(name)) {
                        bounded.put(name, summary);
                        total += size - sizes.put(name, size);
                    }
                }
                preview = SHORT_PREVIEW_CHARS;
            }
        }
        return new BoundedVariables(bounded, chars.keySet().stream().anyMatch(name -> bounded.get(name) != after.get(name)));
    }

    /** Keeps {@code name} as a summary; answers its size as JSON. */
    private static int summarise(Map<String, Object> variables, String name, String payloadId, int chars, String head, int preview) {
        Map<String, Object> summary = summary(payloadId, chars, head, preview);
        variables.put(name, summary);
        return entrySize(name, ai.mozaiks.http.Json.write(summary));
    }

    /** The shape workflow expressions see for a summarised variable: the payload's {@link PayloadStore.Stored#summary}. */
    private static Map<String, Object> summary(String payloadId, int chars, String head, int preview) {
        return new PayloadStore.Stored(payloadId, chars, PayloadStore.preview(head, preview)).summary();
    }

    /** A variable's share of the variables' JSON in UTF-8 bytes: its quoted name, a colon, its value and a comma. */
    private static int entrySize(String name, String json) {
        return (int) (ConversationState.utf8Length(name) + 4 + ConversationState.utf8Length(json));
    }

    /** A UI tool call the chat waits on, and the agent that made it. */
    record PendingCall(String agent, ToolCall call) {
    }

    /**
     * The UI tool calls the conversation waits on: the calls of the last assistant message with tool
     * calls that no tool message answers yet (the executor answers every other call within its step).
     */
    static Map<String, PendingCall> pendingUiCalls(ConversationState state) {
        List<ConversationState.Message> messages = state.messages();
        Set<String> answered = new HashSet<>();
        for (int i = messages.size() - 1; i >= 0; i--) {
            ConversationState.Message message = messages.get(i);
            if (message.role() == ConversationState.Message.Role.TOOL) {
                answered.add(message.toolCallId());
                continue;
            }
            Map<String, PendingCall> waiting = new LinkedHashMap<>();
            if (message.role() == ConversationState.Message.Role.ASSISTANT) {
                for (ToolCall call : message.toolCalls()) {
                    if (!answered.contains(call.id())) {
                        waiting.put(call.id(), new PendingCall(message.name(), call));
                    }
                }
            }
            return waiting;
        }
        return Map.of();
    }

    // ---- cancel ----

    public Mono<CancelResult> cancel(AppId appId, String userId, String chatId) {
        return chats(appId).flatMap(chats -> cancel(appId, chats, userId, chatId, ATTEMPTS));
    }

    private Mono<CancelResult> cancel(AppId appId, ChatStore chats, String userId, String chatId, int attempts) {
        return owned(chats, userId, chatId).flatMap(chat -> {
            ChatStatus status = status(chat);
            if (status.terminal()) {
                return Mono.just(new CancelResult(chatId, status, false));
            }
            if (attempts <= 0) {
                return Mono.error(busy());
            }
            Mono<CancelResult> done;
            if (status == ChatStatus.AWAITING_INPUT || status == ChatStatus.AWAITING_CHILDREN || status == ChatStatus.QUEUED) {
                // Nothing runs: the chat is cancelled now, and says so (a fan-out's children are stopped by the reconciler).
                // It holds no run slot; giving back one a crash may have left is harmless, and queued chats get the chance.
                done = chats.cancelWaiting(chatId, stepSeq(chat), status, now())
                        .filter(cancelled -> cancelled)
                        .flatMap(cancelled -> recorder.record(appId, chatId, "cancel", EventKind.RUN_COMPLETE,
                                data("status", ChatStatus.CANCELLED.wire(), "reason", "user_cancelled")))
                        .flatMap(appended -> runs.settle(appId, chatId).thenReturn(appended))
                        .map(appended -> new CancelResult(chatId, ChatStatus.CANCELLED, false));
            } else {
                // A turn runs (or its step waits in the step queue): the executor ends it at its next step boundary.
                done = chats.requestCancel(chatId, now())
                        .filter(requested -> requested)
                        .map(requested -> new CancelResult(chatId, ChatStatus.RUNNING, true));
            }
            return done.switchIfEmpty(Mono.defer(() -> cancel(appId, chats, userId, chatId, attempts - 1)));
        });
    }

    // ---- fan-in ----

    /**
     * A parent that waits at its step for this fan-out run goes on with the children's results in {@code conversation}:
     * it takes a run slot (a top-level parent) and its step is queued, or it is queued for a slot. Does nothing when it no
     * longer waits for this run (a repeat).
     */
    public Mono<Void> resumeFromChildren(AppId appId, Document parent, String runId, Document conversation) {
        String chatId = parent.getString(ChatFields.CHAT_ID);
        long step = stepSeq(parent);
        return chats(appId).flatMap(chats -> runs.admit(appId, parent)
                .flatMap(status -> chats.resumeFromChildren(chatId, step, runId, conversation, status, now())
                        .flatMap(resumed -> resumed ? runs.started(appId, chatId, step, status) : runs.settle(appId, chatId))));
    }

    // ---- helpers ----

    /**
     * The chat changed under an update that would have made it run (the caller tries again, or answers why not): a slot
     * taken for it is given back unless it runs by now. Completes empty.
     */
    private <T> Mono<T> missed(AppId appId, String chatId) {
        return Mono.defer(() -> runs.settle(appId, chatId).then(Mono.empty()));
    }

    /** The {@code chat.input_ack} of a message taken now: {@code queued} when the chat waits for a run slot. */
    private static Map<String, Object> ack(String id, ChatStatus status) {
        Map<String, Object> ack = data(InputFields.CLIENT_MESSAGE_ID, id);
        if (status == ChatStatus.QUEUED) {
            ack.put(QUEUED, true);
        }
        return ack;
    }

    /** A chat's first message that waits for a run slot says so (the step's own ack follows once it runs). */
    private Mono<Void> queuedAck(AppId appId, String chatId, String id, long seq, ChatStatus status) {
        return status != ChatStatus.QUEUED ? Mono.empty()
                : recorder.record(appId, chatId, "queued:" + id, EventKind.INPUT_ACK,
                        data(InputFields.CLIENT_MESSAGE_ID, id, "seq", seq, QUEUED, true)).then();
    }

    private Mono<Document> owned(ChatStore chats, String userId, String chatId) {
        if (userId == null || chatId == null) {
            return Mono.error(() -> ApiException.notFound("The chat"));
        }
        return chats.findForUser(chatId, userId)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The chat")));
    }

    private Mono<ChatStore> chats(AppId appId) {
        return databases.forApp(appId).map(ChatStore::of);
    }

    private Mono<Optional<Workflow>> workflow(AppId appId, Document chat) {
        String name = chat.getString(ChatFields.WORKFLOW_NAME);
        return name == null ? Mono.just(Optional.empty())
                : workflows.find(appId, name, chat.getString(ChatFields.WORKFLOW_REF)).map(found -> found.map(ChatWorkflows.Pinned::workflow));
    }

    private static ChatStatus status(Document chat) {
        return ChatStatus.fromWire(chat.getString(ChatFields.STATUS));
    }

    private static long stepSeq(Document chat) {
        Object value = chat.get(ChatFields.STEP_SEQ);
        return value instanceof Number number ? number.longValue() : 0L;
    }

    private static ConversationState conversation(Document chat) {
        Document stored = chat.get(ChatFields.CONVERSATION, Document.class);
        return stored == null ? null : ConversationState.fromDocument(stored);
    }

    @SuppressWarnings("unchecked")
    private static Optional<Long> acceptedSeq(Document chat, String key) {
        List<Document> accepted = (List<Document>) chat.get(InputFields.ACCEPTED_INPUTS, List.class);
        if (accepted == null) {
            return Optional.empty();
        }
        return accepted.stream().filter(entry -> key.equals(entry.getString(InputFields.KEY)))
                .map(entry -> ((Number) entry.get(InputFields.SEQ)).longValue()).findFirst();
    }

    private static Optional<Long> pendingSeq(Document chat, String id) {
        return ChatStore.pendingInputs(chat).stream().filter(entry -> id.equals(entry.getString(InputFields.CLIENT_MESSAGE_ID)))
                .map(entry -> ((Number) entry.get(InputFields.SEQ)).longValue()).findFirst();
    }

    /**
     * Refuses a known client message id sent with other text (422 {@code client_message_id_reused}). The pending entry
     * holds the text; an accepted one is compared with its stored {@code chat.text} (one point read, on retries only).
     */
    private Mono<Void> sameText(AppId appId, Document chat, String id, String text) {
        Optional<String> pending = ChatStore.pendingInputs(chat).stream()
                .filter(entry -> id.equals(entry.getString(InputFields.CLIENT_MESSAGE_ID)))
                .map(entry -> entry.getString(InputFields.TEXT)).findFirst();
        Mono<String> first = pending.map(Mono::just).orElseGet(() -> recorder.stored(appId, chat.getString(ChatFields.CHAT_ID),
                InputFields.inputKey(id)).map(event -> String.valueOf(event.data().get("content"))));
        return first.flatMap(original -> original.equals(text) ? Mono.<Void>empty() : Mono.error(reused())).then();
    }

    /**
     * An append that found the message's event already stored (a retry after a crash between the append and the chat's
     * update) goes on only when the stored text is this text.
     */
    private static Mono<Void> reusedFor(Appended message, String text) {
        return message.duplicate() && !text.equals(message.event().data().get("content")) ? Mono.error(reused()) : Mono.empty();
    }

    private static ApiException reused() {
        return new ApiException(ai.mozaiks.http.Problem.of(422, "client_message_id_reused", "Client message id reused",
                "This client_message_id was sent with a different message; use a new id for a new message."));
    }

    private static Map<String, Object> userText(String id, String text) {
        return data("agent", ConversationState.USER, "content", text, InputFields.CLIENT_MESSAGE_ID, id);
    }

    private static ApiException terminal(ChatStatus status) {
        return ApiException.conflict("chat_" + status.wire(), "The chat is " + status.wire() + "; it takes no more input.");
    }

    private static ApiException busy() {
        return ApiException.unavailable("chat_busy", "The chat changed while this request was applied; retry.", 1);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

}
