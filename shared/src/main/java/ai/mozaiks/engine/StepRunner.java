package ai.mozaiks.engine;

import ai.mozaiks.logging.InvocationLog;
import ai.mozaiks.session.StepLease;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.AppStates;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Logger;
import org.bson.Document;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * What the step queue trigger does with a message: run the step, then keep the chat moving —
 * enqueue the next step, or put this one back for later when the chat is busy. Stopping states
 * (awaiting input or children, completed, failed, cancelled) enqueue nothing: a waiting chat costs no compute; a chat
 * waiting for children has them started ({@link ChildWorkflows}); an ended chat may be a child its parent waits for, and a
 * completed one may start what follows it ({@link ChatCompletions}: a journey's next step). A step that takes its chat out
 * of {@code running} gives the chat's run slot back first, so queued chats take it ({@link RunQueue#ended}). Before a step runs,
 * {@link FairShare} may defer it so one app's backlog does not starve the others.
 *
 * <p>A step due now may also start on this instance, where its input landed ({@link #startHere}, through {@link InPlaceQueue}),
 * rather than wait for the queue trigger's next poll: see {@link InPlace}.
 */
public final class StepRunner implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StepRunner.class.getName());

    /**
     * Whether a step due now starts where its input landed, and the delay of its fallback message. Such a step is put on
     * the queue first, hidden for {@code fallback} (about one lease, so an instance that died with the step leaves a
     * message that resumes it like any redelivery), then runs on this instance off the caller's thread, admitted by the
     * same {@link FairShare} as queued steps (so both together never exceed the instance's step slots) and run exactly as
     * a queued one (app state, claim and lease, budgets, retries, what follows). When the fallback message is seen the
     * step has committed (dropped as stale) or its lease is held (asked again later).
     */
    public record InPlace(boolean enabled, Duration fallback) {
        public static final InPlace OFF = new InPlace(false, Duration.ofSeconds(1));

        public InPlace {
            Objects.requireNonNull(fallback, "fallback");
            if (fallback.compareTo(Duration.ZERO) <= 0) {
                throw new IllegalArgumentException("the fallback message must be hidden for a while");
            }
        }
    }

    private final StepExecutor executor;
    private final StepQueue queue;
    private final ChatInputs inputs;
    private final ChatCompletions completions;
    private final ChildWorkflows children;
    private final FairShare fairShare;
    private final AppStates apps;
    private final RunQueue runs;
    private final StepRetries retries;
    private final InPlace inPlace;
    /** The steps started here and still running: stopped with the instance, their fallback messages resume them. */
    private final Disposable.Composite startedHere = Disposables.composite();
    private final AtomicLong startedHereCount = new AtomicLong();

    /** A runner whose steps all come from the queue. */
    public StepRunner(StepExecutor executor, StepQueue queue, ChatInputs inputs, ChatCompletions completions, ChildWorkflows children,
                      FairShare fairShare, AppStates apps, RunQueue runs, StepRetries retries) {
        this(executor, queue, inputs, completions, children, fairShare, apps, runs, retries, InPlace.OFF);
    }

    /**
     * {@code runs}: a step that ends its chat's run, or makes it wait, gives the run slot back ({@link RunQueue#ended});
     * {@code retries}: how a step that failed for a transient reason is put back on the queue ({@link StepRetries}).
     */
    public StepRunner(StepExecutor executor, StepQueue queue, ChatInputs inputs, ChatCompletions completions, ChildWorkflows children,
                      FairShare fairShare, AppStates apps, RunQueue runs, StepRetries retries, InPlace inPlace) {
        this.inPlace = Objects.requireNonNull(inPlace, "inPlace");
        this.runs = runs;
        this.retries = retries;
        this.executor = executor;
        this.queue = queue;
        this.inputs = inputs;
        this.completions = completions;
        this.children = children;
        this.fairShare = fairShare;
        this.apps = apps;
    }

    /** How long {@link #failPoisoned} waits, at most, for a live attempt of the step to let the chat go. */
    public static final Duration POISON_WAIT = Duration.ofMinutes(5);

    /**
     * Ends the chat of a step message the queue host gave up on (the {@code -poison} queue): see
     * {@link StepExecutor#failPoisoned}. While a live attempt holds the chat it waits (polling at the
     * executor's retry interval, up to {@link #POISON_WAIT}); still busy after that, it fails with an
     * {@link IllegalStateException} so the host delivers the poison message again. Answers
     * {@link StepOutcome.Failed} when it ended the chat, {@link StepOutcome.Stale} when there was nothing to do.
     */
    public Mono<StepOutcome> failPoisoned(StepMessage message) {
        long deadline = System.nanoTime() + POISON_WAIT.toNanos();
        return failPoisoned(message, deadline);
    }

    private Mono<StepOutcome> failPoisoned(StepMessage message, long deadline) {
        return executor.failPoisoned(message).flatMap(outcome -> {
            if (outcome instanceof StepOutcome.Failed) {
                return release(message)
                        .then(children.ended(message.appId(), message.chatId())).thenReturn(outcome);
            }
            if (!(outcome instanceof StepOutcome.RetryLater later)) {
                return Mono.just(outcome);
            }
            if (System.nanoTime() + later.after().toNanos() > deadline) {
                return Mono.error(new IllegalStateException("step " + message.stepSeq() + " of chat " + message.chatId()
                        + " is still held by a live attempt"));
            }
            return Mono.delay(later.after()).then(Mono.defer(() -> failPoisoned(message, deadline)));
        });
    }

    /**
     * Runs the step if its app is active and within its fair share here; otherwise puts the message back for later
     * ({@link StepOutcome.Deferred}). The step's slot is held until its Mono ends, however it ends. A step of a
     * suspended or deleted app calls no model: {@link StepExecutor#stopForApp} ends it.
     */
    public Mono<StepOutcome> run(StepMessage message) {
        return run(message, this::runActive);
    }

    /**
     * Starts a step due now on this instance, when in-place steps are on, the instance has a free step slot and the app is
     * within its fair share ({@link FairShare#admitHere}): its fallback message is queued first (hidden for
     * {@link InPlace#fallback}), then the step runs off the caller's thread. Answers whether it started; when not, the
     * caller queues the step as usual. A step put back after a failure is never started here: its delay is its back-off.
     */
    public Mono<Boolean> startHere(StepMessage message) {
        return Mono.defer(() -> {
            Optional<FairShare.Ticket> admitted = admitHere(message);
            if (admitted.isEmpty()) {
                return Mono.just(false);
            }
            FairShare.Ticket ticket = admitted.get();
            return queue.hold(message, inPlace.fallback())
                    .doOnError(error -> ticket.release())
                    .doOnCancel(ticket::release)
                    .map(fallback -> {
                        launch(message, ticket, fallback, null);
                        return true;
                    });
        });
    }

    /**
     * {@link StepQueue#ahead} for a step that may start here ({@link #startHere}'s rule): its slot is taken and its fallback
     * message sent now, while its input is written, and it offers the lease the input's update may take. {@code due} starts
     * the step once the message is on the queue (under that lease when the update took it), {@code cancel} gives the slot
     * back and takes the message back, {@code abandon} gives the slot and the lease back and leaves the message. A step that
     * may not start here is readied as the queue readies it.
     */
    public StepQueue.Ahead ahead(StepMessage message) {
        Optional<FairShare.Ticket> admitted = admitHere(message);
        if (admitted.isEmpty()) {
            return StepQueue.enqueuing(queue, message);
        }
        FairShare.Ticket ticket = admitted.get();
        Mono<StepQueue.Held> sent = queue.hold(message, inPlace.fallback()).subscribeOn(Schedulers.boundedElastic()).cache();
        sent.subscribe(held -> { }, error -> { }); // on its way now; due or cancel meets its result
        AtomicBoolean settled = new AtomicBoolean();
        return new StepQueue.Ahead() {
            private final StepQueue.Lease lease = executor.leaseFor(message);

            @Override
            public Mono<Void> due() {
                return launched(null);
            }

            @Override
            public Optional<StepQueue.Lease> lease() {
                return Optional.of(lease);
            }

            @Override
            public Mono<Void> due(Document claimed) {
                return launched(claimed);
            }

            private Mono<Void> launched(Document claimed) {
                // Not launched (the fallback could not be sent): a lease the input took is given back, for the reaper to act.
                return Mono.defer(() -> settled.compareAndSet(false, true)
                        ? sent.doOnError(error -> ticket.release()).doOnCancel(ticket::release)
                                .onErrorResume(error -> (claimed == null ? Mono.<Void>empty() : executor.release(message, lease.lease()))
                                        .then(Mono.error(error)))
                                .doOnNext(fallback -> launch(message, ticket, fallback, claimed == null ? null : new Claimed(lease.lease(), claimed)))
                                .then()
                        : Mono.empty());
            }

            @Override
            public Mono<Void> cancel() {
                return Mono.defer(() -> {
                    if (!settled.compareAndSet(false, true)) {
                        return Mono.empty();
                    }
                    ticket.release();
                    return sent.flatMap(StepQueue.Held::drop).onErrorResume(error -> Mono.empty());
                });
            }

            @Override
            public Mono<Void> abandon() {
                // The input's update may have taken the lease: it is given back (a release matches nothing if it did not).
                return Mono.defer(() -> {
                    if (!settled.compareAndSet(false, true)) {
                        return Mono.empty();
                    }
                    ticket.release();
                    return executor.release(message, lease.lease());
                });
            }
        };
    }

    /** A slot here for a step due now, when in-place steps are on, this runner is open and the app within its share here. */
    private Optional<FairShare.Ticket> admitHere(StepMessage message) {
        if (!inPlace.enabled() || message.attempt() > 0 || startedHere.isDisposed()) {
            return Optional.empty();
        }
        return fairShare.admitHere(message);
    }

    /** Steps started here since this runner was built. */
    public long startedHere() {
        return startedHereCount.get();
    }

    /**
     * Runs the step here. Once it has an outcome, what follows is on record (the next step queued or started, a retry
     * queued, the chat waiting or ended), so its fallback message is taken back; a step that failed or was stopped
     * leaves it, to be resumed by it.
     */
    private void launch(StepMessage message, FairShare.Ticket ticket, StepQueue.Held fallback, Claimed claimed) {
        Disposable.Swap step = Disposables.swap();
        if (!startedHere.add(step)) {
            ticket.release(); // closing: the fallback message runs the step, under no lease of ours
            if (claimed != null) {
                executor.release(message, claimed.lease).subscribe(done -> { }, error -> { });
            }
            return;
        }
        startedHereCount.incrementAndGet();
        // While the step runs its fallback stays hidden a while ahead (renewed every third of it, as the lease is), so a
        // long step is not asked for again meanwhile; the fallback is seen about its delay after the step stopped.
        Duration every = inPlace.fallback().dividedBy(3);
        step.update(Mono.using(() -> Flux.interval(every, every).concatMap(tick -> fallback.extend(inPlace.fallback())).subscribe(),
                        extending -> claimed == null ? run(message, this::runAdmitted) : claimed.run(message), Disposable::dispose)
                .flatMap(outcome -> fallback.drop().onErrorResume(error -> Mono.empty()).thenReturn(outcome))
                .subscribeOn(Schedulers.boundedElastic())
                .doFinally(signal -> {
                    ticket.release();
                    startedHere.remove(step);
                })
                .subscribe(outcome -> log(message).info("step done", "step_seq", message.stepSeq(), "lane", message.lane().wire(),
                                "outcome", String.valueOf(outcome), "ran", "here"),
                        error -> log(message).error("step failed here; its fallback message retries it", error,
                                "step_seq", message.stepSeq(), "lane", message.lane().wire())));
    }

    /**
     * A step's lease taken by the write that made it due, and the chat as that write left it: the step runs under it without a
     * claim. When the step does not run (its app is not active, or reading the app's state failed), the lease is given back,
     * so the step's next message may claim the chat at once.
     */
    private final class Claimed {
        private final StepLease lease;
        private final Document chat;
        private final AtomicBoolean used = new AtomicBoolean();

        Claimed(StepLease lease, Document chat) {
            this.lease = lease;
            this.chat = chat;
        }

        Mono<StepOutcome> run(StepMessage message) {
            Mono<Void> unused = Mono.defer(() -> used.get() ? Mono.<Void>empty() : executor.release(message, lease));
            return StepRunner.this.run(message, admitted -> Mono.defer(() -> {
                        used.set(true);
                        return runAdmitted(admitted, executor.runClaimed(admitted, lease, chat));
                    }))
                    .flatMap(outcome -> unused.thenReturn(outcome))
                    .onErrorResume(error -> unused.then(Mono.error(error)));
        }
    }

    /** The log of a step run here, as the queue trigger's step log reads (it has no invocation of the host's). */
    private static InvocationLog log(StepMessage message) {
        return InvocationLog.of(LOG, "here-" + UUID.randomUUID()).withApp(message.appId()).withChat(message.chatId());
    }

    /** Stops the steps started here (as if the instance died): their fallback messages resume them. */
    @Override
    public void close() {
        startedHere.dispose();
    }

    private Mono<StepOutcome> run(StepMessage message, Function<StepMessage, Mono<StepOutcome>> active) {
        // Only a failure before the step's outcome is retried (reading the app's state, the executor's work): one in what
        // follows a commit is not, since a retried message would find its step past (the reaper and redelivery repair it).
        return apps.status(message.appId())
                .<Mono<StepOutcome>>map(status -> AppService.ACTIVE.equals(status) ? active.apply(message) : stopForApp(message, status))
                .onErrorResume(StepRunner::transientFailure,
                        error -> Mono.just(retryLater(message, error).flatMap(outcome -> endedOrLater(message, outcome))))
                .flatMap(step -> step);
    }

    private static boolean transientFailure(Throwable error) {
        return StepRetries.transientReason(error).isPresent();
    }

    /**
     * A transient failure ({@link StepRetries}): the step goes back on the queue with its retry state, hidden until its
     * retry, and this delivery is acknowledged ({@link StepOutcome.Retrying}) — the queue's dequeue count is not spent.
     * The chat is told ({@code chat.retrying}). Past the step's budget, the chat fails with the cause named. When the
     * queue cannot take the message either, the original failure stands: the host delivers the message again.
     */
    private Mono<StepOutcome> retryLater(StepMessage message, Throwable error) {
        String reason = StepRetries.transientReason(error).orElseThrow();
        StepRetries.Decision decision = retries.after(message, error, reason);
        if (decision instanceof StepRetries.GiveUp giveUp) {
            // The caller follows the outcome up as any ended step (slot given back, parent told).
            return executor.failRetried(message, reason, giveUp.failingFor());
        }
        StepRetries.Retry retry = (StepRetries.Retry) decision;
        return queue.enqueue(retry.message(), retry.delay())
                .onErrorMap(unqueued -> {
                    error.addSuppressed(unqueued);
                    return error;
                })
                .then(Mono.defer(() -> executor.retrying(message, retry.message().attempt(), retry.retryAt(), reason)))
                .thenReturn(new StepOutcome.Retrying(retry.message().attempt(), retry.delay(), reason));
    }

    /** A deleted app's chat is cancelled (a child's end is told to its parent); a busy chat is asked again later. */
    private Mono<StepOutcome> stopForApp(StepMessage message, String status) {
        return executor.stopForApp(message, status)
                .onErrorResume(StepRunner::transientFailure, error -> retryLater(message, error))
                .flatMap(outcome -> endedOrLater(message, outcome));
    }

    /**
     * After the executor ended a chat outside a turn (stopped for its app, failed when its retries ran out): its run slot
     * is given back and a parent told; a chat a live attempt still holds is asked again later.
     */
    private Mono<StepOutcome> endedOrLater(StepMessage message, StepOutcome outcome) {
        if (outcome instanceof StepOutcome.Failed || outcome instanceof StepOutcome.Cancelled) {
            return release(message).then(children.ended(message.appId(), message.chatId())).thenReturn(outcome);
        }
        if (outcome instanceof StepOutcome.RetryLater later) {
            return queue.enqueue(message, later.after()).thenReturn(outcome);
        }
        return Mono.just(outcome);
    }

    private Mono<StepOutcome> runActive(StepMessage message) {
        return Mono.defer(() -> {
            FairShare.Admission admission = fairShare.admit(message);
            if (admission instanceof FairShare.Deferred deferred) {
                return queue.enqueue(message, deferred.after()).thenReturn(new StepOutcome.Deferred(deferred.after()));
            }
            FairShare.Ticket ticket = ((FairShare.Admitted) admission).ticket();
            // Released before the outcome is handed on (the slot is free once the step is over), or on cancel.
            return Mono.defer(() -> runAdmitted(message)).doOnTerminate(ticket::release).doOnCancel(ticket::release);
        });
    }

    private Mono<StepOutcome> runAdmitted(StepMessage message) {
        return runAdmitted(message, executor.run(message));
    }

    /** What follows the executor's work on a step: a transient failure retried later, an ended run's slot given back. */
    private Mono<StepOutcome> runAdmitted(StepMessage message, Mono<StepOutcome> executed) {
        return executed
                .onErrorResume(StepRunner::transientFailure, error -> retryLater(message, error))
                .flatMap(outcome -> stopping(outcome)
                ? release(message).then(Mono.defer(() -> after(message, outcome)))
                : after(message, outcome));
    }

    /**
     * Gives the chat's run slot back and lets queued chats take it. A failure here must not undo what follows the
     * commit: the reaper gives back a slot left held, and promotes ({@link StallReaper}).
     */
    private Mono<Void> release(StepMessage message) {
        return runs.ended(message.appId(), message.chatId()).onErrorResume(error -> Mono.empty());
    }

    /** The chat is out of {@code running} for good, or waits for its children: its run slot is given back first. */
    private static boolean stopping(StepOutcome outcome) {
        return outcome instanceof StepOutcome.AwaitingChildren || outcome instanceof StepOutcome.Completed
                || outcome instanceof StepOutcome.Failed || outcome instanceof StepOutcome.Cancelled;
    }

    private Mono<StepOutcome> after(StepMessage message, StepOutcome outcome) {
        return Mono.defer(() -> {
            if (outcome instanceof StepOutcome.Next next) {
                return queue.enqueue(message.at(next.stepSeq()), Duration.ZERO)
                        .thenReturn(outcome);
            }
            if (outcome instanceof StepOutcome.RetryLater later) {
                return queue.enqueue(message, later.after()).thenReturn(outcome);
            }
            if (outcome instanceof StepOutcome.AwaitingInput) {
                // The run waits for its user: its slot is given back (the chat read once); a message that arrived while
                // the turn was being committed is taken now, not left waiting. A failure to give the slot back must not
                // leave the message waiting: the reaper gives back a slot left held.
                return runs.waiting(message.appId(), message.chatId())
                        .onErrorResume(error -> Mono.empty())
                        .flatMap(chat -> inputs.drainPending(message.appId(), chat))
                        .switchIfEmpty(Mono.defer(() -> inputs.drainPending(message.appId(), message.chatId())))
                        .thenReturn(outcome);
            }
            if (outcome instanceof StepOutcome.AwaitingChildren) {
                return children.spawn(message.appId(), message.chatId()).thenReturn(outcome);
            }
            if (outcome instanceof StepOutcome.Completed) {
                return children.ended(message.appId(), message.chatId())
                        .then(completions.completed(message.appId(), message.chatId())).thenReturn(outcome);
            }
            if (outcome instanceof StepOutcome.Failed || outcome instanceof StepOutcome.Cancelled) {
                return children.ended(message.appId(), message.chatId()).thenReturn(outcome);
            }
            return Mono.just(outcome);
        });
    }
}
