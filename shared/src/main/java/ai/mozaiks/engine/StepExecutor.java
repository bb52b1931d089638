package ai.mozaiks.engine;

import static ai.mozaiks.session.EventData.data;

import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelException;
import ai.mozaiks.models.PriceTable;
import ai.mozaiks.payloads.PayloadStore;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabase;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.EventRecorder;
import ai.mozaiks.session.InputFields;
import ai.mozaiks.session.NewEvent;
import ai.mozaiks.session.PendingEvents;
import ai.mozaiks.session.StepLease;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.MonthlyTokens;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.expression.ExpressionEvaluationException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import org.bson.Document;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs one step (one queue message) of one chat: usually one agent turn. This class holds the step's lifecycle (claim,
 * redelivery, commit or release); the turn itself is {@link AgentTurn} (with {@link AgentReplies} for the model,
 * {@link ToolRound} for tools and their recorded results, {@link FanOutDetector} for structured output and fan-outs),
 * the commit and what follows it {@link StepCommits}, and the chat document is written by {@link ChatStore} only.
 *
 * <ol>
 *   <li><b>Claim.</b> One conditional {@code findOneAndUpdate} on the chat matching {@code step_seq} (the
 *       message's), status {@code running}, and a lease absent or expired; it sets {@code lease_until} and
 *       {@code lease_owner} and returns the chat as it was, conversation state included (no other read).
 *       When it matches nothing, one read tells a stale or duplicate message (acknowledged,
 *       {@link StepOutcome.Stale}) from a busy chat ({@link StepOutcome.RetryLater}). The previous commit's
 *       {@code outbox} is then checked against the log (one lookup) before the turn.</li>
 *   <li><b>Redelivery.</b> A chat claimed with a lease still set had an attempt of this step that never
 *       committed: the model responses it recorded ({@link ReplyJournal}) and its tool results are read (two reads)
 *       and reused: a recorded response replaces the model call, so the same tool calls (same ids, same idempotency
 *       keys) are answered, from the record where their result was recorded, by the tool again where not.</li>
 *   <li><b>Turn.</b> {@link TurnPlanner} → {@link RequestBuilder} → the monthly budget check ({@link MonthlyBudget}) →
 *       {@link ChatModel#stream} → the response recorded in {@code step_replies} → tool calls
 *       through the {@link ToolRegistry} (each result inserted in {@code tool_results} before the commit) →
 *       context-variable triggers → the next plan (so a handoff to the user or to terminate stops in the same step).
 *       A trigger agent's structured output that selects several workflows ({@link FanOutRequest}) ends the step
 *       instead: the chat commits {@code awaiting_children} with the request, and the runner starts the children.</li>
 *   <li><b>Commit.</b> One conditional {@code findOneAndUpdate} on {@code step_seq} and the lease owner: status,
 *       {@code step_seq+1}, conversation state (what the turn changed in it: new messages pushed, changed fields set), the
 *       chat's usage totals, lease cleared — and the step's events:
 *       their seqs reserved ({@code $inc} of {@code event_seq}, read back from the update) and the events themselves
 *       kept in the chat's {@code outbox}. Committed therefore means recorded, in one write.</li>
 *   <li><b>Usage.</b> Each model call is a {@code chat.usage_delta} event ({@link UsageLedger}), from its recorded
 *       response, so a reused response counts once; the step's usage goes into its per-app minute bucket
 *       ({@code usage_minutes}, one upsert, counted once per step), and the write that counted it there adds its tokens to
 *       the app's month counter ({@code usage_months}, one {@code $inc}), which the budget check reads by {@code _id}
 *       ({@link MonthlyTokens}).</li>
 *   <li><b>Log.</b> One {@code insertMany} stores the events in their seqs ({@link EventRecorder#recordCommitted}); keys
 *       {@code step:<n>:<i>} make a repeat harmless. A crash between the commit and this insert loses nothing: the
 *       next step of the chat, or the redelivered message, finds the outbox and stores what is missing
 *       ({@link EventRecorder#storeMissing}, one lookup by key).</li>
 *   <li><b>Live.</b> While the model streams, its text goes to the feed ({@link EventRecorder}) as {@code chat.text_delta},
 *       gathered per {@link EngineSettings#deltaInterval()}; after the insert, the step's events go out as one
 *       message.</li>
 * </ol>
 * A retryable failure (model unavailable, database error) leaves the step uncommitted; the lease is expired at once (but
 * kept, marking the attempt) and {@link StepRunner} puts the step back on the queue for later ({@link StepRetries});
 * the next attempt, seeing the mark, first tells clients to drop what the failed one streamed ({@code chat.text_reset}).
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
    /** The {@code error_code} of the {@code chat.error} that ends a chat whose step kept failing transiently past its budget. */
    public static final String RETRIES_EXHAUSTED = "RETRIES_EXHAUSTED";
    static final String SUSPENDED_MESSAGE = "This app is suspended; the conversation will go on once the suspension is lifted.";
    static final String DELETED_MESSAGE = "This app was deleted; the conversation has ended.";

    private final AppDatabases databases;
    private final EventRecorder recorder;
    private final ChatWorkflows workflows;
    private final Clock clock;
    private final EngineSettings settings;
    private final AgentTurn agentTurn;
    private final MonthlyBudget budget;
    private final StepCommits commits;

    /** An executor pricing model calls with the {@linkplain PriceTable#bundled() bundled price table}. */
    public StepExecutor(AppDatabases databases, EventLog events, ChatFeed feed, ChatModel model, ToolRegistry tools,
                        ChatWorkflows workflows, Clock clock, EngineSettings settings, StepHooks hooks) {
        this(databases, events, feed, model, tools, workflows, clock, settings, hooks, PriceTable.bundled());
    }

    public StepExecutor(AppDatabases databases, EventLog events, ChatFeed feed, ChatModel model, ToolRegistry tools,
                        ChatWorkflows workflows, Clock clock, EngineSettings settings, StepHooks hooks,
                        PriceTable prices) {
        this(databases, events, feed, model, tools, workflows, clock, settings, hooks, prices, TokenBudgets.UNLIMITED,
                new MonthlyTokens(databases, clock));
    }

    /**
     * An executor that checks each app's monthly token budget ({@code budgets}) before every model call against the
     * month's tokens as {@code used} keeps them (one per instance, shared with the session start's check). Without a
     * payload store a tool's result is recorded whole in {@code tool_results} (the tools' answer limit keeps it under 1 MiB).
     */
    public StepExecutor(AppDatabases databases, EventLog events, ChatFeed feed, ChatModel model, ToolRegistry tools,
                        ChatWorkflows workflows, Clock clock, EngineSettings settings, StepHooks hooks,
                        PriceTable prices, TokenBudgets budgets, MonthlyTokens used) {
        this(databases, events, feed, model, tools, workflows, clock, settings, hooks, prices, budgets, used, null);
    }

    /** An executor that keeps a tool's long result whole in {@code payloads}, its documents a bounded head of it. */
    public StepExecutor(AppDatabases databases, EventLog events, ChatFeed feed, ChatModel model, ToolRegistry tools,
                        ChatWorkflows workflows, Clock clock, EngineSettings settings, StepHooks hooks,
                        PriceTable prices, TokenBudgets budgets, MonthlyTokens used, PayloadStore payloads) {
        this.databases = databases;
        this.recorder = new EventRecorder(events, feed);
        this.workflows = workflows;
        this.clock = clock;
        this.settings = settings;
        UsageLedger ledger = new UsageLedger(Objects.requireNonNull(prices, "prices"), Objects.requireNonNull(used, "used"));
        TurnPlanner planner = new TurnPlanner();
        this.budget = new MonthlyBudget(budgets, used);
        this.agentTurn = new AgentTurn(planner, new AgentReplies(model, new RequestBuilder(settings.model()), ledger, planner, recorder,
                settings, new ReplyJournal(hooks, clock), budget), new ToolRound(tools, hooks, clock, payloads), settings);
        this.commits = new StepCommits(recorder, ledger, hooks, clock);
    }

    public Mono<StepOutcome> run(StepMessage message) {
        // The app's month is read beside the claim (when this instance's reading has lapsed): the budget check before the
        // model call then finds it, instead of a round trip of its own after the claim.
        budget.readAhead(message.appId());
        return claimThen(message, ":", this::claimed);
    }

    /**
     * A lease for {@code message}'s step that the write making it due may take (an input to a waiting chat,
     * {@link ChatStore#acceptInputClaimed}), so that the step, started here, needs no claim: {@link #runClaimed}. The app's
     * month is read meanwhile, beside that write, so the step's budget check finds it read.
     */
    public StepQueue.Lease leaseFor(StepMessage message) {
        budget.readAhead(message.appId());
        return new StepQueue.Lease(new StepLease(message.chatId(), message.stepSeq(), settings.instanceId() + ":" + UUID.randomUUID()),
                settings.lease());
    }

    /** {@link #run} for a step whose lease the write that made it due took ({@link #leaseFor}); {@code chat} as that write left it. */
    public Mono<StepOutcome> runClaimed(StepMessage message, StepLease lease, Document chat) {
        return databases.forApp(message.appId()).flatMap(database -> claimed(new Claim(database, ChatStore.of(database), message, lease, chat)));
    }

    /**
     * Gives back a lease taken by {@link #leaseFor}'s write under which no step ran (its app was not active, or the step was
     * never launched): the step may be claimed at once. Matches nothing when the write did not take it; never fails (a lease
     * not given back lapses).
     */
    public Mono<Void> release(StepMessage message, StepLease lease) {
        return databases.forApp(message.appId()).flatMap(database -> commits.release(ChatStore.of(database), lease))
                .onErrorResume(error -> Mono.empty());
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
        return claimThen(message, ":poison:", claim -> end(claim, "poison:",
                data("message", POISONED_MESSAGE, "error_code", STEP_FAILED, "chat_id", message.chatId(), "step_seq", message.stepSeq()),
                ChatStatus.FAILED, "step_failed", new StepOutcome.Failed("step " + message.stepSeq() + " was poisoned")));
    }

    /**
     * Ends a chat whose step kept failing transiently ({@link StepRetries}) past its budget: committed {@code failed} with a
     * {@code chat.error} ({@value #RETRIES_EXHAUSTED}) naming the cause ({@code reason}, and in words) and a
     * {@code chat.run_complete} of status failed. Claimed, idempotent and keyed ({@code retries:<n>:<i>}) as
     * {@link #failPoisoned} is.
     */
    public Mono<StepOutcome> failRetried(StepMessage message, String reason, Duration failingFor) {
        String lasted = failingFor.compareTo(Duration.ofMinutes(2)) >= 0 ? failingFor.toMinutes() + " minutes"
                : failingFor.toSeconds() + " seconds";
        String text = "This conversation stopped because " + cause(reason) + " for " + lasted + ". Please try again later in a new chat.";
        return claimThen(message, ":retries:", claim -> end(claim, "retries:",
                data("message", text, "error_code", RETRIES_EXHAUSTED, "reason", reason, "attempts", message.attempt() + 1,
                        "chat_id", message.chatId(), "step_seq", message.stepSeq()),
                ChatStatus.FAILED, "retries_exhausted", new StepOutcome.Failed("step " + message.stepSeq() + ": " + reason)));
    }

    private static String cause(String reason) {
        return switch (reason) {
            case StepRetries.MODEL_RATE_LIMITED -> "the model service kept refusing requests (rate limited)";
            case StepRetries.MODEL_TIMEOUT -> "the model service did not answer in time";
            case StepRetries.MODEL_INVALID_RESPONSE -> "the model service kept answering malformed responses";
            case StepRetries.DATABASE_UNAVAILABLE -> "the database was unavailable";
            case StepRetries.DATABASE_THROTTLED -> "the database kept refusing requests (throttled)";
            case StepRetries.STORAGE_UNAVAILABLE -> "storage was unavailable";
            default -> "the model service was unavailable";
        };
    }

    /**
     * Tells the chat that its step runs again at {@code retryAt}: {@code chat.retrying {step_seq, attempt, retry_at, reason}}.
     * When the database answers, the chat's lease is held until the retry ({@link ChatStore#holdForRetry}) and the event
     * is recorded (key {@code retry:<n>:<attempt>}, so a repeat appends nothing); when another attempt holds the chat
     * nothing is said; when the database is away the event goes out live only. Never fails.
     */
    public Mono<Void> retrying(StepMessage message, int attempt, Instant retryAt, String reason) {
        Map<String, Object> event = data("step_seq", message.stepSeq(), "attempt", attempt, "retry_at", retryAt.toString(),
                "reason", reason);
        Mono<Void> live = recorder.signal(message.appId(), message.chatId(), EventKind.RETRYING, event).onErrorResume(error -> Mono.empty());
        // Held until a second before the retry: the message is not seen earlier, and the claim then finds the lease over.
        Instant until = retryAt.minusSeconds(1).isBefore(now()) ? now() : retryAt.minusSeconds(1);
        return databases.forApp(message.appId())
                .flatMap(database -> ChatStore.of(database).holdForRetry(message.chatId(), message.stepSeq(), now(), until))
                .flatMap(held -> held
                        ? recorder.recordOnce(message.appId(), message.chatId(), "retry:" + message.stepSeq() + ":" + attempt,
                                EventKind.RETRYING, event)
                        : Mono.<Void>empty())
                .onErrorResume(error -> live);
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
        if (AppService.SUSPENDED.equals(appStatus)) {
            return databases.forApp(message.appId()).flatMap(database -> ChatStore.of(database)
                    .findRunningAt(message.chatId(), message.stepSeq())
                    .flatMap(chat -> recorder.record(message.appId(), message.chatId(), "suspended:" + message.stepSeq(),
                            EventKind.ERROR, data("message", SUSPENDED_MESSAGE, "error_code", APP_SUSPENDED,
                                    "chat_id", message.chatId(), "step_seq", message.stepSeq())))
                    .thenReturn(new StepOutcome.Stale("the app is suspended")));
        }
        return claimThen(message, ":stop:", claim -> end(claim, "stop:",
                data("message", DELETED_MESSAGE, "error_code", APP_DELETED, "chat_id", message.chatId(), "step_seq", message.stepSeq()),
                ChatStatus.CANCELLED, "app_deleted", new StepOutcome.Cancelled("app_deleted")));
    }

    /** A chat claimed for this attempt: the chat as it was before the claim, and where it is. */
    private record Claim(AppDatabase database, ChatStore chats, StepMessage message, StepLease lease, Document chat) {
        Turn turn(Workflow workflow, ConversationState state) {
            Turn turn = new Turn(database, chats, message, lease.owner(), workflow, state, ChatStore.eventSeq(chat));
            turn.claimedConversation = chat.get(ChatFields.CONVERSATION, Document.class);
            return turn;
        }
    }

    /**
     * Takes the chat for this step (same {@code step_seq}, still running, lease absent or expired) and goes on with it;
     * a message that claims nothing is settled by {@link #unclaimed}.
     */
    private Mono<StepOutcome> claimThen(StepMessage message, String attempt, Function<Claim, Mono<StepOutcome>> then) {
        return databases.forApp(message.appId()).flatMap(database -> {
            ChatStore chats = ChatStore.of(database);
            StepLease lease = new StepLease(message.chatId(), message.stepSeq(), settings.instanceId() + attempt + UUID.randomUUID());
            Instant now = now();
            return chats.claim(lease, now, now.plus(settings.lease()))
                    .flatMap(chat -> then.apply(new Claim(database, chats, message, lease, chat)))
                    .switchIfEmpty(Mono.defer(() -> unclaimed(database, chats, message)));
        });
    }

    /** Ends a claimed chat at once: a {@code chat.error} and a {@code chat.run_complete}, keyed {@code <prefix><n>:<i>}. */
    private Mono<StepOutcome> end(Claim claim, String prefix, Map<String, Object> error, ChatStatus status, String reason,
                                  StepOutcome outcome) {
        Turn turn = claim.turn(null, null);
        String key = prefix + claim.message().stepSeq() + ":";
        // Responses an earlier attempt recorded were paid for: their usage counts with this end, as with a cancel.
        return unusedReplies(turn, claim.chat()).then(Mono.defer(() -> {
            turn.out.add(new NewEvent(key + 0, EventKind.ERROR, error));
            turn.out.add(new NewEvent(key + 1, EventKind.RUN_COMPLETE, data("status", status.wire(), "reason", reason)));
            return commitOrRelease(turn, outcome);
        }));
    }

    private Mono<StepOutcome> commitOrRelease(Turn turn, StepOutcome outcome) {
        return commits.commit(turn, outcome).onErrorResume(error -> commits.release(turn).then(Mono.error(error)));
    }

    /**
     * A message that claimed nothing: a duplicate or a step already past (acknowledged), or a busy chat (retried later).
     * For a step that committed, it also finishes what a crash right after the commit may have left undone: the
     * step's events are stored if missing, and a running chat that has not moved for {@link EngineSettings#stalledAfter()} since
     * (its next step was never enqueued) gets its next step again.
     */
    private Mono<StepOutcome> unclaimed(AppDatabase database, ChatStore chats, StepMessage message) {
        return chats.find(message.chatId())
                .flatMap(chat -> {
                    long seq = ((Number) chat.get(ChatFields.STEP_SEQ)).longValue();
                    boolean running = ChatStatus.RUNNING.wire().equals(chat.getString(ChatFields.STATUS));
                    if (seq == message.stepSeq()) {
                        return Mono.just(running ? new StepOutcome.RetryLater(settings.retryAfter())
                                : (StepOutcome) new StepOutcome.Stale("the chat is " + chat.getString(ChatFields.STATUS)));
                    }
                    Mono<Void> settled = PendingEvents.of(chat).filter(pending -> pending.step() == message.stepSeq())
                            .map(pending -> commits.storeMissing(database, message, pending))
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

    private Mono<StepOutcome> claimed(Claim claim) {
        // The previous commit's events first, so the log stays in order even after a crash right after that commit.
        Mono<Void> previous = PendingEvents.of(claim.chat()).filter(pending -> pending.step() < claim.message().stepSeq())
                .map(pending -> commits.storeMissing(claim.database(), claim.message(), pending))
                .orElse(Mono.empty());
        Mono<StepOutcome> work = previous
                .onErrorResume(error -> commits.release(claim.chats(), claim.lease()).then(Mono.error(error)))
                .then(Mono.defer(() -> turn(claim)));
        return Mono.using(() -> renewLease(claim), renewal -> work, Disposable::dispose);
    }

    /**
     * Keeps the lease while the step runs longer than a third of it (a slow model, a slow tool): every third of the lease
     * one conditional update moves it on, so one failed renewal still leaves another before it lapses. It stops with the
     * step; once the step commits (or another attempt took over) the update matches nothing.
     */
    private Disposable renewLease(Claim claim) {
        Duration every = settings.lease().dividedBy(3);
        return Flux.interval(every, every)
                .concatMap(tick -> claim.chats().renew(claim.lease(), now().plus(settings.lease())).onErrorResume(error -> Mono.empty()))
                .subscribe();
    }

    private Mono<StepOutcome> turn(Claim claim) {
        Document chat = claim.chat();
        if (chat.getBoolean(InputFields.CANCEL_REQUESTED, false)) {
            // A cancel requested while the chat ran: this step boundary ends it, before any work.
            Document current = chat.get(ChatFields.CONVERSATION, Document.class);
            Turn cancelled = claim.turn(null, current == null ? null : ConversationState.fromDocument(current));
            return unusedReplies(cancelled, chat).then(Mono.defer(() -> {
                cancelled.event(EventKind.RUN_COMPLETE, data("status", ChatStatus.CANCELLED.wire(), "reason", "cancel_requested"));
                return commitOrRelease(cancelled, new StepOutcome.Cancelled("cancel_requested"));
            }));
        }
        String workflowName = chat.getString(ChatFields.WORKFLOW_NAME);
        String pinned = chat.getString(ChatFields.WORKFLOW_REF);
        return workflows.find(claim.message().appId(), workflowName, pinned)
                .onErrorResume(error -> commits.release(claim.chats(), claim.lease()).then(Mono.error(error)))
                .flatMap(found -> found.isEmpty()
                        ? commits.fail(claim.turn(null, null), "unknown workflow \"" + workflowName + "\"")
                        : turn(claim, found.get(), pinned == null));
    }

    private Mono<StepOutcome> turn(Claim claim, ChatWorkflows.Pinned found, boolean pin) {
        Document chat = claim.chat();
        boolean redelivered = chat.get(ChatFields.LEASE_UNTIL) != null;
        AppCollection results = claim.database().collection(RuntimeCollection.TOOL_RESULTS);
        Document stored = chat.get(ChatFields.CONVERSATION, Document.class);
        Turn turn = claim.turn(found.workflow(), stored == null ? null : ConversationState.fromDocument(stored));
        turn.pending = ChatStore.pendingInputs(chat);
        turn.child = chat.get(ChatFields.PARENT_CHAT_ID) != null;
        if (pin) {
            turn.changes.pinWorkflow(found.ref());
        }
        if (chat.getBoolean(InputFields.INTERRUPT_REQUESTED, false)) {
            turn.changes.clearInterrupt();
            if (stored != null && !turn.pending.isEmpty()) {
                // The interrupt policy: the planned turn does not run; the user's message is taken instead.
                return unusedReplies(turn, chat).then(Mono.defer(() -> {
                    agentTurn.takePending(turn);
                    return commitOrRelease(turn, new StepOutcome.Next(turn.message.stepSeq() + 1));
                }));
            }
        }
        Mono<Map<String, Document>> recorded = redelivered
                ? ReplyJournal.recorded(turn).doOnNext(replies -> turn.recordedReplies = replies)
                        .then(ToolRound.recorded(results, turn.message))
                : Mono.just(Map.of());
        // What an attempt that did not commit streamed is void: clients drop it before this attempt's first delta.
        Mono<Void> reset = !redelivered ? Mono.empty() : recorder.signal(turn.message.appId(), turn.message.chatId(), EventKind.TEXT_RESET,
                data("step_seq", turn.message.stepSeq(), "reason", turn.message.attempt() > 0 ? "retry" : "redelivery"));
        return reset.then(stored == null ? agentTurn.start(turn, chat, found) : Mono.<Void>empty())
                .then(recorded)
                .flatMap(previous -> agentTurn.run(results, turn, previous))
                // Only the turn's own failures end the chat; one after the commit is for the redelivery to finish.
                .onErrorResume(StepExecutor::permanent, error -> Mono.just(StepCommits.failing(turn, error.getMessage())))
                .flatMap(outcome -> commits.commit(turn, outcome))
                .onErrorResume(error -> commits.release(turn).then(Mono.error(error)));
    }

    /** A redelivered step that ends without its turn still counts the tokens its earlier attempt's model calls spent. */
    private Mono<Void> unusedReplies(Turn turn, Document chat) {
        return chat.get(ChatFields.LEASE_UNTIL) == null ? Mono.empty()
                : ReplyJournal.countUnused(turn).onErrorResume(error -> commits.release(turn).then(Mono.error(error)));
    }

    private static boolean permanent(Throwable error) {
        return error instanceof ExpressionEvaluationException
                || error instanceof ModelException model && !model.retryable()
                || error instanceof IllegalStateException;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
