package ai.mozaiks.engine;

import static ai.mozaiks.session.EventData.data;
import ai.mozaiks.http.InputLimits;
import ai.mozaiks.models.AssistantMessage;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.ModelResponse;
import ai.mozaiks.models.PriceTable;
import ai.mozaiks.models.ToolCall;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabase;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.Appended;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewEvent;
import ai.mozaiks.session.PendingEvents;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.expression.ExpressionEvaluationException;
import ai.mozaiks.workflows.manifest.AgentSpec;
import ai.mozaiks.workflows.manifest.OutputModel;
import ai.mozaiks.workflows.manifest.StartupMode;
import ai.mozaiks.workflows.manifest.ToolSpec;
import ai.mozaiks.workflows.manifest.ToolType;
import ai.mozaiks.workflows.manifest.UiBinding;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.PushOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lte;
import static com.mongodb.client.model.Filters.ne;
import static com.mongodb.client.model.Filters.or;

/**
 * Runs one step (one queue message) of one chat: usually one agent turn.
 *
 * <ol>
 *   <li><b>Claim.</b> One conditional {@code findOneAndUpdate} on the chat matching {@code step_seq} (the
 *       message's), status {@code running}, and a lease absent or expired; it sets {@code lease_until} and
 *       {@code lease_owner} and returns the chat as it was, conversation state included (no other read).
 *       When it matches nothing, one read tells a stale or duplicate message (acknowledged,
 *       {@link StepOutcome.Stale}) from a busy chat ({@link StepOutcome.RetryLater}). The previous commit's
 *       {@code outbox} is then checked against the log (one lookup) before the turn.</li>
 *   <li><b>Redelivery.</b> A chat claimed with a lease still set had an attempt of this step that never
 *       committed: its recorded tool results are read (one read) and reused; the recorded assistant
 *       message replaces the model call, so the same tool calls are answered from the record.</li>
 *   <li><b>Turn.</b> {@link TurnPlanner} → {@link RequestBuilder} → {@link ChatModel#stream} → tool calls
 *       through the {@link ToolRegistry} (each result inserted in {@code tool_results} before the commit) →
 *       context-variable triggers → the next plan (so a handoff to the user or to terminate stops in the same step).
 *       A trigger agent's structured output that selects several workflows ({@link FanOutRequest}) ends the step
 *       instead: the chat commits {@code awaiting_children} with the request, and the runner starts the children.</li>
 *   <li><b>Commit.</b> One conditional {@code findOneAndUpdate} on {@code step_seq} and the lease owner: status,
 *       {@code step_seq+1}, conversation state, the chat's usage totals, lease cleared — and the step's events:
 *       their seqs reserved ({@code $inc} of {@code event_seq}, read back from the update) and the events themselves
 *       kept in the chat's {@code outbox}. Committed therefore means recorded, in one write.</li>
 *   <li><b>Usage.</b> Each model call is a {@code chat.usage_delta} event ({@link UsageLedger}); the step's usage goes
 *       into its per-app minute bucket ({@code usage_minutes}, one upsert, counted once per step).</li>
 *   <li><b>Log.</b> One {@code insertMany} stores the events in their seqs ({@link EventLog#store}); keys
 *       {@code step:<n>:<i>} make a repeat harmless. A crash between the commit and this insert loses nothing: the
 *       next step of the chat, or the redelivered message, finds the outbox and stores what is missing
 *       ({@link EventLog#storeMissing}, one lookup by key).</li>
 *   <li><b>Live.</b> While the model streams, its text goes to the {@link ChatFeed} as {@code chat.text_delta},
 *       gathered per {@link EngineSettings#deltaInterval()}; after the insert, the step's events go out as one
 *       message.</li>
 * </ol>
 * A retryable failure (model unavailable, database error) leaves the step uncommitted for the queue to
 * redeliver; the lease is expired at once (but kept, marking the attempt) so the redelivery need not wait.
 * A failure retrying cannot help (a bad manifest condition, a refused request) commits the chat {@code failed}
 * with a {@code chat.error} event. A step the queue gave up on is failed the same way by {@link #failPoisoned}.
 */
public final class StepExecutor {
    static final String TOOL_CALL_ID = "call_id";
    /** The {@code error_code} of a {@code chat.error} that ends a chat because a step failed. */
    public static final String STEP_FAILED = "STEP_FAILED";
    /** What the user sees when the queue gave a step up: no internals. */
    static final String POISONED_MESSAGE = "This conversation stopped because a step could not be completed. Please start a new chat.";
    /** The {@code error_code} of the {@code chat.error} a step of a suspended app shows; the chat goes on once it is lifted. */
    public static final String APP_SUSPENDED = "APP_SUSPENDED";
    /** The {@code error_code} of the {@code chat.error} that ends a chat because its app was deleted. */
    public static final String APP_DELETED = "APP_DELETED";
    static final String SUSPENDED_MESSAGE = "This app is suspended; the conversation will go on once the suspension is lifted.";
    static final String DELETED_MESSAGE = "This app was deleted; the conversation has ended.";
    private static final ObjectMapper JSON = new ObjectMapper(InputLimits.jsonFactory());
    /** The commit answers the chat as it was: the messages that were waiting for a turn. */
    private static final FindOneAndUpdateOptions COMMITTED = new FindOneAndUpdateOptions()
            .returnDocument(ReturnDocument.BEFORE)
            .projection(com.mongodb.client.model.Projections.include(InputFields.PENDING_INPUTS));
    /** Tries of one step's commit (each miss means input moved the event counter meanwhile). */
    private static final int MAX_COMMITS = 8;
    /** Pieces gathered into one delta at most, whatever the interval: bounds a message's size. */
    private static final int MAX_DELTA_PARTS = 512;

    private final AppDatabases databases;
    private final EventLog events;
    private final ChatFeed feed;
    private final ChatModel model;
    private final ToolRegistry tools;
    private final ChatWorkflows workflows;
    private final Clock clock;
    private final EngineSettings settings;
    private final StepHooks hooks;
    private final TurnPlanner planner = new TurnPlanner();
    private final RequestBuilder requests;
    private final UsageLedger ledger;

    /** An executor pricing model calls with the {@linkplain PriceTable#bundled() bundled price table}. */
    public StepExecutor(AppDatabases databases, EventLog events, ChatFeed feed, ChatModel model, ToolRegistry tools,
                        ChatWorkflows workflows, Clock clock, EngineSettings settings, StepHooks hooks) {
        this(databases, events, feed, model, tools, workflows, clock, settings, hooks, PriceTable.bundled());
    }

    public StepExecutor(AppDatabases databases, EventLog events, ChatFeed feed, ChatModel model, ToolRegistry tools,
                        ChatWorkflows workflows, Clock clock, EngineSettings settings, StepHooks hooks,
                        PriceTable prices) {
        this.databases = databases;
        this.events = events;
        this.feed = feed;
        this.model = model;
        this.tools = tools;
        this.workflows = workflows;
        this.clock = clock;
        this.settings = settings;
        this.hooks = hooks;
        this.requests = new RequestBuilder(settings.model());
        this.ledger = new UsageLedger(java.util.Objects.requireNonNull(prices, "prices"));
    }

    public Mono<StepOutcome> run(StepMessage message) {
        return databases.forApp(message.appId()).flatMap(database -> {
            AppCollection sessions = database.collection(RuntimeCollection.CHAT_SESSIONS);
            String owner = settings.instanceId() + ":" + UUID.randomUUID();
            return claim(sessions, message, owner)
                    .flatMap(chat -> claimed(database, sessions, message, owner, chat))
                    .switchIfEmpty(Mono.defer(() -> unclaimed(database, sessions, message)));
        });
    }

    /**
     * Takes the chat for this step: same {@code step_seq}, still running, lease absent or expired.
     * Answers the chat as it was before the claim (its lease fields tell a redelivery), or nothing.
     */
    private Mono<Document> claim(AppCollection sessions, StepMessage message, String owner) {
        Instant now = now();
        Bson filter = and(eq(ChatFields.CHAT_ID, message.chatId()), eq(ChatFields.STEP_SEQ, message.stepSeq()),
                eq(ChatFields.STATUS, ChatFields.RUNNING),
                or(exists(ChatFields.LEASE_UNTIL, false), lte(ChatFields.LEASE_UNTIL, Date.from(now))));
        Bson lease = Updates.combine(Updates.set(ChatFields.LEASE_UNTIL, Date.from(now.plus(settings.lease()))),
                Updates.set(ChatFields.LEASE_OWNER, owner));
        return sessions.findOneAndUpdate(filter, lease, new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE));
    }

    /**
     * Ends a chat whose step message the queue host gave up on (it landed in the poison queue after too many
     * failed attempts): the chat is committed {@code failed} with a {@code chat.error} ({@value #STEP_FAILED},
     * a message without internals) and a {@code chat.run_complete} of status failed.
     *
     * <p>It claims the chat exactly as a step does (same {@code step_seq}, status running, lease absent or
     * expired), so it never races a live attempt: a chat whose lease is live answers
     * {@link StepOutcome.RetryLater} and nothing is written (a live attempt may still commit the step). Idempotent: a chat
     * already past that step, not running (terminal, waiting) or gone answers {@link StepOutcome.Stale} and is
     * left alone; the events have their own keys ({@code poison:<n>:<i>}), so a repeat appends nothing twice.
     */
    public Mono<StepOutcome> failPoisoned(StepMessage message) {
        return databases.forApp(message.appId()).flatMap(database -> {
            AppCollection sessions = database.collection(RuntimeCollection.CHAT_SESSIONS);
            String owner = settings.instanceId() + ":poison:" + UUID.randomUUID();
            return claim(sessions, message, owner)
                    .flatMap(chat -> {
                        Turn turn = new Turn(database, message, owner, null, null, eventSeq(chat));
                        String poison = "poison:" + message.stepSeq() + ":";
                        turn.out.add(new NewEvent(poison + 0, EventKind.ERROR, data("message", POISONED_MESSAGE,
                                "error_code", STEP_FAILED, "chat_id", message.chatId(), "step_seq", message.stepSeq())));
                        turn.out.add(new NewEvent(poison + 1, EventKind.RUN_COMPLETE, data("status", ChatStatus.FAILED.wire(),
                                "reason", "step_failed")));
                        return commit(sessions, turn, new StepOutcome.Failed("step " + message.stepSeq() + " was poisoned"))
                                .onErrorResume(error -> release(sessions, turn).then(Mono.error(error)));
                    })
                    .switchIfEmpty(Mono.defer(() -> unclaimed(database, sessions, message)));
        });
    }

    /**
     * Ends a step of an app that is not active, without calling the model ({@link StepRunner} asks first).
     * <ul>
     *   <li>A <b>suspended</b> app's chat is not claimed: it stays {@code running} at this step and shows a
     *       {@code chat.error} ({@value #APP_SUSPENDED}, once per step, key {@code suspended:<n>}). The stall reaper skips
     *       suspended apps; once the suspension is lifted it queues the step again, and the chat goes on.</li>
     *   <li>A <b>deleted</b> app's chat is claimed as a step claims it and committed {@code cancelled}, with a
     *       {@code chat.error} ({@value #APP_DELETED}) and a {@code chat.run_complete} (reason {@code app_deleted}).</li>
     * </ul>
     * Idempotent, like a step: a stale message or a chat not running answers {@link StepOutcome.Stale}.
     */
    public Mono<StepOutcome> stopForApp(StepMessage message, String appStatus) {
        return databases.forApp(message.appId()).flatMap(database -> {
            AppCollection sessions = database.collection(RuntimeCollection.CHAT_SESSIONS);
            if (AppService.SUSPENDED.equals(appStatus)) {
                return sessions.findOne(and(eq(ChatFields.CHAT_ID, message.chatId()), eq(ChatFields.STEP_SEQ, message.stepSeq()),
                                eq(ChatFields.STATUS, ChatFields.RUNNING)))
                        .flatMap(chat -> events.append(message.appId(), message.chatId(), "suspended:" + message.stepSeq(),
                                        EventKind.ERROR, data("message", SUSPENDED_MESSAGE, "error_code", APP_SUSPENDED,
                                                "chat_id", message.chatId(), "step_seq", message.stepSeq()))
                                .flatMap(appended -> feed.publish(message.appId(), message.chatId(), List.of(appended.event()))))
                        .thenReturn(new StepOutcome.Stale("the app is suspended"));
            }
            String owner = settings.instanceId() + ":stop:" + UUID.randomUUID();
            return claim(sessions, message, owner)
                    .flatMap(chat -> {
                        Turn turn = new Turn(database, message, owner, null, null, eventSeq(chat));
                        String stop = "stop:" + message.stepSeq() + ":";
                        turn.out.add(new NewEvent(stop + 0, EventKind.ERROR, data("message", DELETED_MESSAGE,
                                "error_code", APP_DELETED, "chat_id", message.chatId(), "step_seq", message.stepSeq())));
                        turn.out.add(new NewEvent(stop + 1, EventKind.RUN_COMPLETE, data("status", ChatStatus.CANCELLED.wire(),
                                "reason", "app_deleted")));
                        return commit(sessions, turn, new StepOutcome.Cancelled("app_deleted"))
                                .onErrorResume(error -> release(sessions, turn).then(Mono.error(error)));
                    })
                    .switchIfEmpty(Mono.defer(() -> unclaimed(database, sessions, message)));
        });
    }

    /**
     * A message that claimed nothing: a duplicate or a step already past (acknowledged), or a busy chat (retried later).
     * For a step that committed, it also finishes what a crash right after the commit may have left undone: the
     * step's events are stored if missing, and a running chat that has not moved for {@link EngineSettings#stalledAfter()} since
     * (its next step was never enqueued) gets its next step again.
     */
    private Mono<StepOutcome> unclaimed(AppDatabase database, AppCollection sessions, StepMessage message) {
        return sessions.findOne(eq(ChatFields.CHAT_ID, message.chatId()))
                .flatMap(chat -> {
                    long seq = ((Number) chat.get(ChatFields.STEP_SEQ)).longValue();
                    boolean running = ChatFields.RUNNING.equals(chat.getString(ChatFields.STATUS));
                    if (seq == message.stepSeq()) {
                        return Mono.just(running ? new StepOutcome.RetryLater(settings.retryAfter())
                                : (StepOutcome) new StepOutcome.Stale("the chat is " + chat.getString(ChatFields.STATUS)));
                    }
                    Mono<Void> settled = PendingEvents.of(chat).filter(pending -> pending.step() == message.stepSeq())
                            .map(pending -> storeMissing(database, message, pending))
                            .orElse(Mono.empty());
                    return settled.thenReturn(running && seq == message.stepSeq() + 1 && stalled(chat)
                            ? new StepOutcome.Next(seq)
                            : new StepOutcome.Stale("step " + message.stepSeq() + " is past; the chat is at " + seq));
                })
                .defaultIfEmpty(new StepOutcome.Stale("no such chat"));
    }

    /** No lease held, and no change for {@link EngineSettings#stalledAfter()}: nothing is moving this chat (as the reaper sees it). */
    private boolean stalled(Document chat) {
        Date lease = chat.getDate(ChatFields.LEASE_UNTIL);
        Date updated = chat.getDate(ChatFields.UPDATED_AT);
        Instant now = now();
        return (lease == null || !lease.toInstant().isAfter(now))
                && updated != null && !updated.toInstant().plus(settings.stalledAfter()).isAfter(now);
    }

    /** What one attempt builds up before it commits. */
    private final class Turn {
        final StepMessage message;
        final String owner;
        final Workflow workflow;
        /** Where the step's model usage is bucketed per minute. */
        final AppCollection minutes;
        final List<NewEvent> out = new ArrayList<>();
        /** Further updates of the commit (pending input taken, an interrupt consumed). */
        final List<Bson> extra = new ArrayList<>();
        /** The chat's pending inputs as claimed ({@link InputFields#PENDING_INPUTS}). */
        List<Document> pending = List.of();
        /** The chat's event counter as last seen: the commit takes the seqs after it, if it has not moved. */
        long eventBase;
        /** Commits tried so far: input that keeps moving the counter makes the step give up and be redelivered. */
        int commits;
        ConversationState state;

        Turn(AppDatabase database, StepMessage message, String owner, Workflow workflow, ConversationState state, long eventBase) {
            this.message = message;
            this.eventBase = eventBase;
            this.owner = owner;
            this.workflow = workflow;
            this.state = state;
            this.minutes = database.collection(RuntimeCollection.USAGE_MINUTES);
        }

        void event(EventKind kind, Map<String, Object> data) {
            out.add(new NewEvent("step:" + message.stepSeq() + ":" + out.size(), kind, data));
        }
    }

    private Mono<StepOutcome> claimed(AppDatabase database, AppCollection sessions, StepMessage message, String owner, Document chat) {
        // The previous commit's events first, so the log stays in order even after a crash right after that commit.
        Mono<Void> previous = PendingEvents.of(chat).filter(pending -> pending.step() < message.stepSeq())
                .map(pending -> storeMissing(database, message, pending))
                .orElse(Mono.empty());
        Mono<StepOutcome> work = previous
                .onErrorResume(error -> release(sessions, owned(message, owner)).then(Mono.error(error)))
                .then(Mono.defer(() -> turn(database, sessions, message, owner, chat)));
        return Mono.using(() -> renewLease(sessions, message, owner), renewal -> work, Disposable::dispose);
    }

    /**
     * Keeps the lease while the step runs longer than half of it (a slow model, a slow tool): every half lease one
     * conditional update moves it on. It stops with the step; once the step commits (or another attempt took over)
     * the update matches nothing.
     */
    private Disposable renewLease(AppCollection sessions, StepMessage message, String owner) {
        Duration every = settings.lease().dividedBy(2);
        return Flux.interval(every, every)
                .concatMap(tick -> sessions.updateOne(and(owned(message, owner), exists(ChatFields.LEASE_UNTIL)),
                                Updates.set(ChatFields.LEASE_UNTIL, Date.from(now().plus(settings.lease()))), false)
                        .onErrorResume(error -> Mono.empty()))
                .subscribe();
    }

    /** Stores a commit's events that are not in the log yet, and their usage in the minute bucket (once per step). */
    private Mono<Void> storeMissing(AppDatabase database, StepMessage message, PendingEvents pending) {
        return events.storeMissing(message.appId(), message.chatId(), pending)
                .flatMap(stored -> !stored ? Mono.<Void>empty()
                        : ledger.addToMinute(database.collection(RuntimeCollection.USAGE_MINUTES), message.chatId(), pending.step(),
                                ledger.totals(pending.events(), pending.stamp())));
    }

    private Mono<StepOutcome> turn(AppDatabase database, AppCollection sessions, StepMessage message, String owner, Document chat) {
        if (chat.getBoolean(InputFields.CANCEL_REQUESTED, false)) {
            // A cancel requested while the chat ran: this step boundary ends it, before any work.
            Document current = chat.get(ChatFields.CONVERSATION, Document.class);
            Turn cancelled = new Turn(database, message, owner, null, current == null ? null : ConversationState.fromDocument(current), eventSeq(chat));
            cancelled.event(EventKind.RUN_COMPLETE, data("status", ChatStatus.CANCELLED.wire(), "reason", "cancel_requested"));
            return commit(sessions, cancelled, new StepOutcome.Cancelled("cancel_requested"))
                    .onErrorResume(error -> release(sessions, cancelled).then(Mono.error(error)));
        }
        String workflowName = chat.getString(ChatFields.WORKFLOW_NAME);
        String pinned = chat.getString(ChatFields.WORKFLOW_REF);
        return workflows.find(message.appId(), workflowName, pinned)
                .onErrorResume(error -> release(sessions, owned(message, owner)).then(Mono.error(error)))
                .flatMap(found -> {
                    if (found.isEmpty()) {
                        Turn turn = new Turn(database, message, owner, null, null, eventSeq(chat));
                        return fail(sessions, turn, "unknown workflow \"" + workflowName + "\"");
                    }
                    return turn(database, sessions, message, owner, chat, found.get(), pinned == null);
                });
    }

    private Mono<StepOutcome> turn(AppDatabase database, AppCollection sessions, StepMessage message, String owner, Document chat,
                                   ChatWorkflows.Pinned found, boolean pin) {
        Workflow workflow = found.workflow();
        boolean redelivered = chat.get(ChatFields.LEASE_UNTIL) != null;
        AppCollection results = database.collection(RuntimeCollection.TOOL_RESULTS);
        Document stored = chat.get(ChatFields.CONVERSATION, Document.class);
        Turn turn = new Turn(database, message, owner, workflow, stored == null ? null : ConversationState.fromDocument(stored),
                eventSeq(chat));
        turn.pending = pendingInputs(chat);
        if (pin) {
            turn.extra.add(Updates.set(ChatFields.WORKFLOW_REF, found.ref()));
        }
        if (chat.getBoolean(InputFields.INTERRUPT_REQUESTED, false)) {
            turn.extra.add(Updates.unset(InputFields.INTERRUPT_REQUESTED));
            if (stored != null && !turn.pending.isEmpty()) {
                // The interrupt policy: the planned turn does not run; the user's message is taken instead.
                takePending(turn);
                return commit(sessions, turn, new StepOutcome.Next(message.stepSeq() + 1))
                        .onErrorResume(error -> release(sessions, turn).then(Mono.error(error)));
            }
        }
        Mono<Map<String, Document>> recorded = redelivered
                ? results.find(and(eq(ChatFields.CHAT_ID, message.chatId()), eq(ChatFields.STEP_SEQ, message.stepSeq())), null, 0)
                        .collectMap(doc -> doc.getString(TOOL_CALL_ID), doc -> doc)
                : Mono.just(Map.of());
        return (stored == null ? start(turn, chat, found) : Mono.<Void>empty())
                .then(recorded)
                .flatMap(previous -> step(results, turn, previous))
                // Only the turn's own failures end the chat; one after the commit is for the redelivery to finish.
                .onErrorResume(StepExecutor::permanent, error -> Mono.just(failing(turn, error.getMessage())))
                .flatMap(status -> commit(sessions, turn, status))
                .onErrorResume(error -> release(sessions, turn).then(Mono.error(error)));
    }

    /**
     * A new chat's variables and opening events. The app's settings are read here only, once per chat, and only
     * when the workflow declares a {@code config} variable; a secret that does not open fails the chat.
     */
    private Mono<Void> start(Turn turn, Document chat, ChatWorkflows.Pinned found) {
        Workflow workflow = found.workflow();
        Set<String> keys = ContextState.configKeys(workflow);
        Mono<Map<String, String>> configured = keys.isEmpty() ? Mono.just(Map.of())
                : settings.config().values(turn.message.appId(), ChatWorkflows.PLATFORM.equals(found.ref()), keys);
        return configured.doOnNext(values -> {
            Map<String, Object> variables = ContextState.initial(workflow, turn.message.appId().value(), turn.message.chatId(),
                    chat.getString(ChatFields.USER_ID), values);
            turn.state = ConversationState.start(variables);
            turn.event(EventKind.RUN_START, data("workflow_name", workflow.name()));
            // A child's own first message (its parent chose it) is shown; the workflow's seed is hidden when agent-driven.
            String given = chat.getString(ChatFields.SEED_MESSAGE);
            Optional.ofNullable(given).or(() -> workflow.orchestrator().seedMessage()).ifPresent(seed -> {
                boolean hidden = given == null && workflow.orchestrator().startupMode() == StartupMode.AGENT_DRIVEN;
                turn.state = turn.state.withMessages(List.of(ConversationState.Message.user(seed, hidden)), settings.window());
                turn.event(EventKind.TEXT, data("agent", ConversationState.USER, "content", seed, "hidden", hidden,
                        "seed", true));
            });
        }).then();
    }

    private static boolean permanent(Throwable error) {
        return error instanceof ExpressionEvaluationException
                || error instanceof ModelException model && !model.retryable()
                || error instanceof IllegalStateException;
    }

    /** Runs the turn; answers the chat's status and outcome after it. */
    private Mono<StepOutcome> step(AppCollection results, Turn turn, Map<String, Document> recorded) {
        Decision decision = planner.plan(turn.workflow, turn.state, turn.message.chatId());
        Mono<Decision> chosen = decision instanceof Decision.SelectSpeaker select
                ? selectSpeaker(turn, select)
                : Mono.just(decision);
        return chosen.flatMap(d -> {
            if (d instanceof Decision.Speak speak) {
                return speak(results, turn, speak, recorded);
            }
            return Mono.just(settle(turn, d));
        });
    }

    private Mono<Decision> selectSpeaker(Turn turn, Decision.SelectSpeaker select) {
        ModelRequest request = requests.speakerSelection(turn.workflow, select.candidates(), turn.state, requestId(turn) + ":select");
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return model.complete(request).map(response -> {
                turn.event(EventKind.USAGE_DELTA, ledger.eventData(RequestBuilder.SPEAKER_SELECTOR, response, millisSince(started)));
                return planner.resolve(turn.workflow, turn.state,
                        TurnPlanner.parseSelection(response.message().text(), select.candidates()));
            });
        });
    }

    /** A decision that is not an agent's turn ends the step: complete, or wait for the user. */
    private StepOutcome settle(Turn turn, Decision decision) {
        if (decision instanceof Decision.Complete complete) {
            turn.event(EventKind.RUN_COMPLETE, data("status", "completed", "reason", complete.reason()));
            return new StepOutcome.Completed(complete.reason());
        }
        if (decision instanceof Decision.AwaitInput await) {
            if (!turn.pending.isEmpty()) {
                // A message sent while the turn ran (the enqueue policy) answers this wait at once.
                takePending(turn);
                return new StepOutcome.Next(turn.message.stepSeq() + 1);
            }
            turn.event(EventKind.INPUT_REQUEST, data("request_id", "step:" + turn.message.stepSeq(),
                    // Before any agent spoke (a user-driven start) the agent that will answer asks.
                    "agent", turn.state.lastAgent() == null ? turn.workflow.initialAgent() : turn.state.lastAgent(),
                    "reason", await.reason()));
            return new StepOutcome.AwaitingInput(await.reason());
        }
        return new StepOutcome.Next(turn.message.stepSeq() + 1);
    }

    @SuppressWarnings("unchecked")
    private static List<Document> pendingInputs(Document chat) {
        List<Document> pending = (List<Document>) chat.get(InputFields.PENDING_INPUTS, List.class);
        return pending == null ? List.of() : List.copyOf(pending);
    }

    /** Takes the oldest pending input into the conversation, as {@link ChatInputs} does for a waiting chat. */
    private void takePending(Turn turn) {
        Document first = turn.pending.get(0);
        String id = first.getString(InputFields.CLIENT_MESSAGE_ID);
        long seq = ((Number) first.get(InputFields.SEQ)).longValue();
        turn.state = turn.state.afterUserInput(first.getString(InputFields.TEXT), false, settings.window());
        turn.event(EventKind.INPUT_ACK, data(InputFields.CLIENT_MESSAGE_ID, id, "seq", seq, "pending", true));
        turn.extra.add(Updates.popFirst(InputFields.PENDING_INPUTS));
        turn.extra.add(Updates.pushEach(InputFields.ACCEPTED_INPUTS,
                List.of(new Document(InputFields.KEY, InputFields.inputKey(id)).append(InputFields.SEQ, seq)),
                new PushOptions().slice(-InputFields.MAX_ACCEPTED)));
        turn.pending = List.of();
    }

    private Mono<StepOutcome> speak(AppCollection results, Turn turn, Decision.Speak speak, Map<String, Document> recorded) {
        String agent = speak.agent();
        turn.event(EventKind.SELECT_SPEAKER, data("agent", agent, "handed_off_by", speak.handedOffBy()));
        Optional<Document> replay = recorded.values().stream().findFirst();
        Mono<Reply> reply = replay.isPresent()
                ? Mono.just(new Reply(replayed(replay.get().get("assistant", Document.class), agent),
                        replay.get().get("usage", Document.class)))
                : call(turn, agent);
        return reply.flatMap(r -> afterReply(results, turn, agent, r, recorded));
    }

    /** The agent's message and its {@code usage_delta} data (the recorded one when replayed). */
    private record Reply(AssistantMessage message, Map<String, Object> usage) {
    }

    private Mono<Reply> call(Turn turn, String agent) {
        ModelRequest request = requests.build(turn.workflow, agent, turn.state, requestId(turn));
        long[] started = {0};
        return model.stream(request)
                .doOnSubscribe(subscription -> started[0] = System.nanoTime())
                .publish(stream -> Mono.zip(stream.ofType(ModelEvent.Completed.class).last(),
                        streamDeltas(turn, agent, stream.ofType(ModelEvent.TextDelta.class))))
                .single()
                .map(done -> new Reply(done.getT1().response().message().withName(agent),
                        ledger.eventData(agent, done.getT1().response(), millisSince(started[0]))));
    }

    /**
     * Sends the reply's text as it streams, gathered per {@link EngineSettings#deltaInterval()}; completes (with
     * {@code true}, for the zip) once the last piece is out, so live deltas always come before the stored text.
     */
    private Mono<Boolean> streamDeltas(Turn turn, String agent, Flux<ModelEvent.TextDelta> deltas) {
        return deltas.map(ModelEvent.TextDelta::text)
                .bufferTimeout(MAX_DELTA_PARTS, settings.deltaInterval(), true)
                .concatMap(parts -> feed.delta(turn.message.appId(), turn.message.chatId(), agent, String.join("", parts)))
                .then(Mono.just(true));
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private Mono<StepOutcome> afterReply(AppCollection results, Turn turn, String agent, Reply reply,
                                         Map<String, Document> recorded) {
        AssistantMessage message = reply.message();
        Workflow workflow = turn.workflow;
        boolean hidden = false;
        Optional<FanOutRequest> fanOut = Optional.empty();
        if (!message.text().isEmpty()) {
            ContextState.TextOutcome triggered = ContextState.applyAgentText(workflow, agent, message.text(), turn.state.variables());
            hidden = triggered.hidden();
            turn.state = turn.state.withVariables(triggered.variables());
            Map<String, Object> text = data("agent", agent, "content", message.text(), "hidden", hidden,
                    "ui_visibility", workflow.ui().isVisible(agent) ? "user" : "trace");
            Optional<OutputModel> model = workflow.structuredOutputs().modelFor(agent);
            Optional<Document> parsed = model.flatMap(output -> structured(message.text(), requestId(turn)));
            parsed.ifPresent(output -> {
                text.put("structured_output", output);
                text.put("structured_schema", model.get().name());
            });
            // A trigger agent's selection of several workflows starts a fan-out (the workflow's _pack/workflow_graph.json).
            fanOut = parsed.flatMap(output -> workflow.fanOutFor(agent).flatMap(point -> FanOutRequest.read(
                    requestId(turn), point, agent, output, workflow.agents().stream().map(AgentSpec::name).toList())));
            turn.event(EventKind.TEXT, text);
        }
        if (reply.usage() != null) {
            turn.event(EventKind.USAGE_DELTA, new LinkedHashMap<>(reply.usage()));
        }
        List<ConversationState.Message> added = new ArrayList<>();
        added.add(ConversationState.Message.assistant(agent, message.content(), message.toolCalls(), hidden));
        if (message.toolCalls().isEmpty()) {
            turn.state = turn.state.withMessages(added, settings.window()).afterAgentReply(agent, null);
            if (fanOut.isPresent()) {
                // The children run as chats of their own; the commit leaves this one waiting for them, with no compute.
                turn.extra.add(Updates.set(ChatFields.FAN_OUT, fanOut.get().toDocument()));
                return Mono.just(new StepOutcome.AwaitingChildren(fanOut.get().runId()));
            }
            return Mono.just(settle(turn, nextAfterReply(turn)));
        }
        Map<String, RequestBuilder.Transfer> transfers = RequestBuilder.transfers(workflow, agent);
        String[] transfer = {null};
        boolean[] uiWait = {false};
        return Flux.fromIterable(message.toolCalls())
                .concatMap(call -> {
                    turn.event(EventKind.TOOL_CALL, data("agent", agent, TOOL_CALL_ID, call.id(), "tool_name", call.name(),
                            "arguments", Document.parse(call.argumentsJson())));
                    RequestBuilder.Transfer handoff = transfers.get(call.name());
                    if (handoff != null) {
                        transfer[0] = handoff.target();
                        return Mono.just(new Answer(call, "Transferring to " + handoff.target()));
                    }
                    Optional<ToolSpec> spec = workflow.tools().forAgent(agent).stream()
                            .filter(tool -> tool.name().equals(call.name())).findFirst();
                    if (spec.isPresent() && spec.get().type() == ToolType.UI_TOOL) {
                        uiWait[0] = true;
                        turn.out.set(turn.out.size() - 1, new NewEvent(turn.out.get(turn.out.size() - 1).key(), EventKind.TOOL_CALL,
                                data("agent", agent, TOOL_CALL_ID, call.id(), "tool_name", call.name(),
                                        "arguments", Document.parse(call.argumentsJson()), "awaiting_response", true,
                                        "component_type", spec.get().ui().map(ui -> ui.component()).orElse(call.name()),
                                        "display", spec.get().ui().flatMap(ui -> ui.mode()).orElse(UiBinding.Mode.INLINE)
                                                .name().toLowerCase(java.util.Locale.ROOT))));
                        return Mono.<Answer>empty();
                    }
                    Document previous = recorded.get(call.id());
                    if (previous != null) {
                        return Mono.just(new Answer(call, previous.getString("result")));
                    }
                    return execute(results, turn, agent, reply, call, spec);
                })
                .doOnNext(answer -> {
                    added.add(ConversationState.Message.tool(answer.call().id(), answer.content()));
                    turn.event(EventKind.TOOL_RESPONSE, data("agent", agent, TOOL_CALL_ID, answer.call().id(),
                            "tool_name", answer.call().name(), "content", answer.content()));
                })
                .then(Mono.fromSupplier(() -> {
                    turn.state = turn.state.withMessages(added, settings.window());
                    if (uiWait[0]) {
                        turn.state = turn.state.afterToolCalls(agent, null);
                        return new StepOutcome.AwaitingInput("ui_tool");
                    }
                    if (transfer[0] != null) {
                        turn.state = turn.state.afterAgentReply(agent, transfer[0]);
                        return settle(turn, nextAfterReply(turn));
                    }
                    turn.state = turn.state.afterToolCalls(agent, null);
                    return new StepOutcome.Next(turn.message.stepSeq() + 1);
                }));
    }

    private record Answer(ToolCall call, String content) {
    }

    private Mono<Answer> execute(AppCollection results, Turn turn, String agent, Reply reply, ToolCall call,
                                 Optional<ToolSpec> spec) {
        Mono<JsonNode> result = spec.isEmpty()
                ? Mono.just(error("the agent has no tool named " + call.name()))
                : tools.call(new ToolInvocation(turn.message.appId().value(), turn.message.chatId(), turn.message.stepSeq(),
                                agent, spec.get(), call, turn.state.variables()))
                        .defaultIfEmpty(JSON.nullNode())
                        .onErrorResume(failure -> Mono.just(error(String.valueOf(failure.getMessage()))));
        return result.flatMap(value -> {
            String content = value.isTextual() ? value.asText() : value.toString();
            Document record = new Document(ChatFields.CHAT_ID, turn.message.chatId())
                    .append(ChatFields.STEP_SEQ, turn.message.stepSeq())
                    .append(TOOL_CALL_ID, call.id())
                    .append("tool_name", call.name())
                    .append("result", content)
                    .append("assistant", assistantDocument(reply.message()))
                    .append("usage", reply.usage() == null ? null : new Document(reply.usage()))
                    .append("recorded_at", Date.from(now()));
            return results.insertOne(record)
                    .onErrorResume(ai.mozaiks.engine.StepExecutor::duplicate, dup -> Mono.empty())
                    .then(Mono.fromRunnable(() -> hooks.afterToolRecorded(turn.message.chatId(), turn.message.stepSeq(), call.id())))
                    .thenReturn(new Answer(call, content));
        });
    }

    private static boolean duplicate(Throwable error) {
        return error instanceof com.mongodb.MongoWriteException write && write.getError().getCode() == 11000;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private Decision nextAfterReply(Turn turn) {
        Decision next = planner.plan(turn.workflow, turn.state, turn.message.chatId());
        return next instanceof Decision.Speak || next instanceof Decision.SelectSpeaker ? null : next;
    }

    private static Document assistantDocument(AssistantMessage message) {
        List<Document> calls = new ArrayList<>();
        for (ToolCall call : message.toolCalls()) {
            calls.add(new Document("id", call.id()).append("name", call.name()).append("args", call.argumentsJson()));
        }
        Document document = new Document("tc", calls);
        if (message.content() != null) {
            document.append("c", message.content());
        }
        return document;
    }

    @SuppressWarnings("unchecked")
    private static AssistantMessage replayed(Document stored, String agent) {
        List<ToolCall> calls = new ArrayList<>();
        for (Document call : (List<Document>) stored.get("tc", List.class)) {
            calls.add(new ToolCall(call.getString("id"), call.getString("name"), ConversationState.parseObject(call.getString("args"))));
        }
        return new AssistantMessage(stored.getString("c"), calls, agent);
    }

    /**
     * The agent's structured output, when its text is a JSON object. One beyond the {@link InputLimits} fails the step
     * ({@link ModelException.Kind#OVER_LIMIT}): it is neither stored nor acted on.
     */
    private static Optional<Document> structured(String text, String requestId) {
        String json = text.strip();
        if (json.length() > InputLimits.MAX_MODEL_JSON_CHARS) {
            throw new ModelException(ModelException.Kind.OVER_LIMIT, requestId,
                    "the structured output exceeds " + InputLimits.MAX_MODEL_JSON_CHARS + " characters");
        }
        try {
            JsonNode parsed = JSON.readTree(json);
            return parsed != null && parsed.isObject() ? Optional.of(Document.parse(parsed.toString())) : Optional.empty();
        } catch (StreamConstraintsException refused) {
            throw new ModelException(ModelException.Kind.OVER_LIMIT, requestId, "the structured output "
                    + (InputLimits.tooDeep(refused) ? "is nested deeper than " + InputLimits.MAX_DEPTH + " levels"
                    : "is larger than the platform accepts"));
        } catch (java.io.IOException notJson) {
            return Optional.empty();
        }
    }

    private Mono<StepOutcome> commit(AppCollection sessions, Turn turn, StepOutcome outcome) {
        ChatStatus status;
        if (outcome instanceof StepOutcome.Next) {
            status = ChatStatus.RUNNING;
        } else if (outcome instanceof StepOutcome.AwaitingInput) {
            status = ChatStatus.AWAITING_INPUT;
        } else if (outcome instanceof StepOutcome.AwaitingChildren) {
            status = ChatStatus.AWAITING_CHILDREN;
        } else if (outcome instanceof StepOutcome.Completed) {
            status = ChatStatus.COMPLETED;
        } else if (outcome instanceof StepOutcome.Failed) {
            status = ChatStatus.FAILED;
        } else if (outcome instanceof StepOutcome.Cancelled) {
            status = ChatStatus.CANCELLED;
        } else {
            throw new IllegalStateException("not a committed outcome: " + outcome);
        }
        Instant stamp = now();
        List<NewEvent> out = List.copyOf(turn.out);
        UsageLedger.Totals usage = ledger.totals(out, stamp);
        List<Bson> updates = new ArrayList<>(List.of(
                Updates.set(ChatFields.STEP_SEQ, turn.message.stepSeq() + 1),
                Updates.set(ChatFields.STATUS, status.wire()),
                Updates.set(ChatFields.UPDATED_AT, Date.from(stamp)),
                Updates.unset(ChatFields.LEASE_UNTIL),
                Updates.unset(ChatFields.LEASE_OWNER)));
        updates.addAll(UsageLedger.chatIncrements(usage));
        if (turn.state != null) {
            updates.add(Updates.set(ChatFields.CONVERSATION, turn.state.toDocument()));
        }
        // The events' seqs are reserved and the events kept in the chat by this same update: committed means recorded.
        long lastSeq = turn.eventBase + out.size();
        if (out.isEmpty()) {
            updates.add(Updates.unset(ChatFields.OUTBOX));
        } else {
            updates.add(Updates.set(ChatFields.EVENT_SEQ, lastSeq));
            updates.add(Updates.set(ChatFields.OUTBOX, new PendingEvents(turn.message.stepSeq(), stamp, lastSeq, out).toDocument()));
        }
        boolean cancelling = outcome instanceof StepOutcome.Cancelled;
        if (cancelling) {
            updates.add(Updates.unset(InputFields.CANCEL_REQUESTED));
        }
        updates.addAll(turn.extra);
        if (status.terminal()) {
            updates.add(Updates.unset(InputFields.PENDING_INPUTS));
        }
        // The seqs after the counter as last seen are the step's, unless input took some meanwhile: then the commit
        // misses and is tried again from the counter's new value. A cancel requested during the turn makes it miss
        // too; the turn then ends as cancelled.
        Bson filter = and(owned(turn), eq(ChatFields.EVENT_SEQ, turn.eventBase));
        if (!cancelling) {
            filter = and(filter, ne(InputFields.CANCEL_REQUESTED, true));
        }
        return sessions.findOneAndUpdate(filter, Updates.combine(updates), COMMITTED)
                .flatMap(before -> {
                    hooks.afterCommit(turn.message.chatId(), turn.message.stepSeq());
                    Mono<Void> recorded = out.isEmpty() ? Mono.empty() : recorded(turn, out, usage, stamp, lastSeq);
                    return recorded.then(status.terminal() ? unanswered(turn, status, pendingInputs(before)) : Mono.empty())
                            .thenReturn(outcome);
                })
                .switchIfEmpty(Mono.defer(() -> missed(sessions, turn, outcome)));
    }

    /**
     * Messages still waiting for a turn when the chat ended (sent during its last turn) get an answer too: a
     * {@code chat.input_ack} saying they were not taken. The commit took them out of {@code pending_inputs}; the
     * acks' keys make a repeat harmless. Rare, so it may cost an append of its own.
     */
    private Mono<Void> unanswered(Turn turn, ChatStatus status, List<Document> pending) {
        if (pending.isEmpty()) {
            return Mono.empty();
        }
        List<NewEvent> acks = new ArrayList<>();
        for (Document input : pending) {
            String id = input.getString(InputFields.CLIENT_MESSAGE_ID);
            acks.add(new NewEvent(InputFields.ackKey(id), EventKind.INPUT_ACK, data(InputFields.CLIENT_MESSAGE_ID, id,
                    "seq", input.get(InputFields.SEQ), "taken", false, "reason", "chat_" + status.wire())));
        }
        return events.appendAll(turn.message.appId(), turn.message.chatId(), acks)
                .flatMap(stored -> feed.publish(turn.message.appId(), turn.message.chatId(),
                        stored.stream().map(Appended::event).toList()));
    }

    /** After the commit: usage into its minute bucket, the events into the log, then out to the chat's feed. */
    private Mono<Void> recorded(Turn turn, List<NewEvent> out, UsageLedger.Totals usage, Instant stamp, long lastSeq) {
        return ledger.addToMinute(turn.minutes, turn.message.chatId(), turn.message.stepSeq(), usage)
                .then(events.store(turn.message.appId(), turn.message.chatId(), lastSeq, out, stamp))
                .flatMap(stored -> feed.publish(turn.message.appId(), turn.message.chatId(),
                        stored.stream().map(Appended::event).toList()));
    }

    private static StepOutcome lost(Turn turn) {
        return new StepOutcome.Stale("the lease of step " + turn.message.stepSeq() + " was lost before the commit");
    }

    /**
     * A commit that missed: input appended events meanwhile (commit again after them), the user cancelled during the
     * turn (commit it cancelled), or the lease was lost (nothing to do: another attempt has the chat).
     */
    private Mono<StepOutcome> missed(AppCollection sessions, Turn turn, StepOutcome outcome) {
        if (++turn.commits >= MAX_COMMITS) {
            return Mono.error(new IllegalStateException("step " + turn.message.stepSeq() + " of chat " + turn.message.chatId()
                    + " could not commit in " + MAX_COMMITS + " tries"));
        }
        return sessions.findOne(owned(turn))
                .flatMap(chat -> {
                    turn.eventBase = eventSeq(chat);
                    if (outcome instanceof StepOutcome.Cancelled || !chat.getBoolean(InputFields.CANCEL_REQUESTED, false)) {
                        return commit(sessions, turn, outcome);
                    }
                    // The turn's events stay: what the agent said before the cancel is part of the transcript.
                    int next = turn.out.size();
                    turn.extra.clear();
                    turn.out.add(new NewEvent("step:" + turn.message.stepSeq() + ":" + next, EventKind.RUN_COMPLETE,
                            data("status", ChatStatus.CANCELLED.wire(), "reason", "cancel_requested")));
                    return commit(sessions, turn, new StepOutcome.Cancelled("cancel_requested"));
                })
                .defaultIfEmpty(lost(turn));
    }

    private static long eventSeq(Document chat) {
        Object seq = chat.get(ChatFields.EVENT_SEQ);
        return seq instanceof Number number ? number.longValue() : 0;
    }

    private Mono<StepOutcome> fail(AppCollection sessions, Turn turn, String reason) {
        return commit(sessions, turn, failing(turn, reason));
    }

    /** Turns the step into a failure to commit: the error and run_complete events, and the outcome. */
    private StepOutcome failing(Turn turn, String reason) {
        // The turn's events are dropped, except the usage of model calls already made: those tokens were spent.
        List<Map<String, ?>> usage = turn.out.stream().filter(event -> event.kind() == EventKind.USAGE_DELTA)
                .<Map<String, ?>>map(NewEvent::data).toList();
        turn.out.clear();
        usage.forEach(data -> turn.event(EventKind.USAGE_DELTA, new LinkedHashMap<>(data)));
        turn.event(EventKind.ERROR, data("message", reason, "error_code", STEP_FAILED, "step_seq", turn.message.stepSeq()));
        turn.event(EventKind.RUN_COMPLETE, data("status", "failed", "reason", reason));
        return new StepOutcome.Failed(reason);
    }

    /** Gives the chat up at once after a retryable failure, keeping the lease fields as the mark of an attempt. */
    private Mono<Void> release(AppCollection sessions, Turn turn) {
        return release(sessions, owned(turn));
    }

    private Mono<Void> release(AppCollection sessions, Bson owned) {
        return sessions.updateOne(owned, Updates.set(ChatFields.LEASE_UNTIL, Date.from(now())), false)
                .then()
                .onErrorResume(ignored -> Mono.empty());
    }

    private static Bson owned(Turn turn) {
        return owned(turn.message, turn.owner);
    }

    private static Bson owned(StepMessage message, String owner) {
        return and(eq(ChatFields.CHAT_ID, message.chatId()), eq(ChatFields.STEP_SEQ, message.stepSeq()),
                eq(ChatFields.LEASE_OWNER, owner));
    }

    private static String requestId(Turn turn) {
        return turn.message.chatId() + ":" + turn.message.stepSeq();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

}
