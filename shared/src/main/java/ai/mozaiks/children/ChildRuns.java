package ai.mozaiks.children;

import ai.mozaiks.persistence.ScopedField;
import static ai.mozaiks.session.EventData.data;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.or;

import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.ChildWorkflows;
import ai.mozaiks.engine.ConversationState;
import ai.mozaiks.engine.FanOutRequest;
import ai.mozaiks.engine.Lane;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepQueue;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.Appended;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.session.EventRecorder;
import ai.mozaiks.session.ChildOf;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.Duplicates;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.session.NewEvent;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.workflows.manifest.FanOut;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Fan-out and fan-in of child workflows, durable in a {@link PackRun} record.
 *
 * <ul>
 *   <li><b>Spawn.</b> A step commits its chat {@code awaiting_children} with the {@link FanOutRequest}; then the run record
 *       is inserted (its id is the parent's step, so a repeat finds it), {@code chat.workflow_batch_started} is appended
 *       to the parent, and children start within the app's limit ({@link ChildLimit}).</li>
 *   <li><b>Start.</b> A child first takes one of the app's places ({@link RunSlots#takeChildPlace}, a conditional
 *       counter guarded by {@code parallel_child_workflows}, keyed by run and place, so a repeat takes nothing more), then
 *       goes {@code waiting → running} with one conditional update; a child another caller started meanwhile keeps the
 *       place, one skipped meanwhile gives it back. Its chat is started with a request id derived from the run and its
 *       place, and its first step queued on the background lane; the rest wait in the record, oldest run first. An ended
 *       child gives its place back when its end is written; one a crash left held is given back by the run's next
 *       progress.</li>
 *   <li><b>End.</b> A child's end is written into its entry (conditional on it running), {@code
 *       chat.workflow_child_completed} is appended to the parent, waiting children take the freed place, and once every
 *       child has ended the parent resumes: one update, conditional on it still waiting for this run, sets the merged
 *       results in its conversation ({@code inject_as}, and a hidden message for the resume agent) and queues its step
 *       (or, with no run slot free, the parent itself: {@link ChatInputs#resumeFromChildren}).
 *       So a parent resumes once, however many children end at the same moment or are reported twice.</li>
 *   <li><b>Partial failure.</b> {@code resume_with_available}: the parent resumes with what there is, failures named.
 *       {@code fail_all}: the first failure skips the children not started and cancels the running ones; the parent
 *       then fails with a {@code chat.error}.</li>
 * </ul>
 * One run's progress is made by one caller at a time without anyone waiting: a caller marks the run dirty and takes
 * its progress lease if free; one that finds it held returns at once, and the holder goes round again until it finds
 * the run clean when it lets go. A holder that died lets go when its lease ends (the {@link ChildReconciler} calls again).
 * Every event has a key derived from the run, so repeats append nothing twice. What a crash leaves half done the
 * {@link ChildReconciler} finishes with these same calls.
 */
public final class ChildRuns implements ChildWorkflows {
    static final String ERROR_CODE = "CHILDREN_FAILED";
    /** Far longer than a round of progress takes; how long a dead holder delays its run's progress at most. */
    static final Duration PROGRESS_LEASE = Duration.ofSeconds(30);

    private final AppDatabases databases;
    private final ChatSessions sessions;
    private final EventRecorder recorder;
    private final StepQueue queue;
    private final ChatInputs inputs;
    private final RunSlots places;
    private final ChildPolicy policy;
    private final Clock clock;
    private final int window;

    public ChildRuns(AppDatabases databases, ChatSessions sessions, EventLog events, ChatFeed feed, StepQueue queue, ChatInputs inputs,
                     RunSlots places, ChildPolicy policy, Clock clock, int window) {
        this.databases = databases;
        this.sessions = sessions;
        this.recorder = new EventRecorder(events, feed);
        this.queue = queue;
        this.inputs = inputs;
        this.places = places;
        this.policy = policy;
        this.clock = clock;
        this.window = window;
    }

    // ---- spawn ----

    @Override
    public Mono<Void> spawn(AppId appId, String parentChatId) {
        return records(appId).flatMap(c -> c.chats.findOne(eq(ChatFields.CHAT_ID, parentChatId))
                .filter(parent -> ChatStatus.AWAITING_CHILDREN.wire().equals(parent.getString(ChatFields.STATUS))
                        && parent.get(ChatFields.FAN_OUT) instanceof Document)
                .flatMap(parent -> {
                    FanOutRequest request = FanOutRequest.fromDocument(parent.get(ChatFields.FAN_OUT, Document.class));
                    List<String> selected = request.children().stream().map(FanOutRequest.Child::workflow).toList();
                    // Children the app may not run (an unknown workflow, a pack outside its tier) end at once, failed.
                    Mono<Void> recorded = policy.refusals(appId, selected).flatMap(refusals -> {
                        Document run = PackRun.create(appId, request, parentChatId, parent.getString(ChatFields.WORKFLOW_NAME),
                                parent.getString(ChatFields.USER_ID), refusals, now());
                        return c.runs.insertOne(run)
                                .onErrorResume(Duplicates::isDuplicate, duplicate -> Mono.empty())
                                .then(c.runs.findOne(eq("_id", request.runId())))
                                .flatMap(stored -> policy.parallel(appId).flatMap(parallel -> announce(appId, stored, parallel)));
                    });
                    // Progress starts what fits in the app's limit (and resumes at once when no child may run).
                    return recorded.then(progress(appId, request.runId()));
                }));
    }

    private Mono<Void> announce(AppId appId, Document run, int parallel) {
        FanOutRequest request = PackRun.request(run);
        List<Map<String, Object>> workflows = new ArrayList<>();
        List<Document> children = PackRun.children(run);
        for (int index = 0; index < children.size(); index++) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("chat_id", children.get(index).getString(PackRun.CHAT_ID));
            entry.put("workflow_name", children.get(index).getString(PackRun.WORKFLOW));
            entry.put("app_id", appId.value());
            entry.put("user_id", run.getString(PackRun.USER_ID));
            entry.put("index", index);
            workflows.add(entry);
        }
        Map<String, Object> data = data("count", children.size(), "workflows", workflows,
                "parent_chat_id", run.getString(PackRun.PARENT_CHAT_ID), "parent_workflow_name", run.getString(PackRun.PARENT_WORKFLOW),
                "resume_agent", request.resumeAgent(), "trigger_id", request.point().id(), "run_id", request.runId(),
                "parallel_limit", parallel);
        long startable = children.stream().filter(child -> PackRun.WAITING.equals(child.getString(PackRun.CHILD_STATUS))).count();
        if (startable > parallel) {
            // The spawn's answer to "why are some not running": the limit, named.
            data.put("limit", "parallel_child_workflows");
            data.put("note", "At most " + parallel + " child workflows of this app run at once; the others wait their turn.");
        }
        List<String> refused = children.stream().map(child -> child.getString(PackRun.REASON)).filter(java.util.Objects::nonNull).distinct().toList();
        if (!refused.isEmpty()) {
            data.put("refused", refused);
        }
        return append(appId, run, key(request.runId(), "started"), EventKind.WORKFLOW_BATCH_STARTED, data);
    }

    // ---- starting children within the app's limit ----

    /**
     * Starts waiting children of the app's running runs, oldest run first, each taking one of the app's places, until
     * one is refused (all are held). Safe with any number of callers at once: the places are counted as data.
     */
    private Mono<Void> startWaiting(AppId appId, Records c) {
        return policy.parallel(appId).flatMap(parallel -> c.runs.find(and(eq(PackRun.STATUS, PackRun.RUNNING),
                                eq(PackRun.CHILDREN + "." + PackRun.CHILD_STATUS, PackRun.WAITING), exists(PackRun.STOPPING, false)),
                        // The full key of app_status_created: Cosmos RU sorts only on an index's exact fields.
                        Sorts.ascending(ScopedField.APP_ID, PackRun.STATUS, PackRun.CREATED_AT), 100)
                .concatMapIterable(run -> waitingOf(run))
                .concatMap(place -> places.takeChildPlace(appId, PackRun.placeKey(place.run().getString("_id"), place.index()), parallel)
                        .flatMap(taken -> taken ? start(appId, c, place.run(), place.index()).thenReturn(true) : Mono.just(false)))
                .takeUntil(taken -> !taken)
                .then());
    }

    private record Place(Document run, int index) {
    }

    private static List<Place> waitingOf(Document run) {
        List<Place> places = new ArrayList<>();
        List<Document> children = PackRun.children(run);
        for (int index = 0; index < children.size(); index++) {
            if (PackRun.WAITING.equals(children.get(index).getString(PackRun.CHILD_STATUS))) {
                places.add(new Place(run, index));
            }
        }
        return places;
    }

    /**
     * Marks one child running (if it still waits and its run is not stopping), then starts its chat and queues its first
     * step. The caller holds the child's place: kept when the child runs (started here or by another caller), given
     * back when it was skipped or ended meanwhile.
     */
    private Mono<Void> start(AppId appId, Records c, Document run, int index) {
        Instant now = now();
        FanOutRequest request = PackRun.request(run);
        Bson waiting = and(eq("_id", run.getString("_id")), eq(PackRun.STATUS, PackRun.RUNNING), exists(PackRun.STOPPING, false),
                eq(PackRun.field(index, PackRun.CHILD_STATUS), PackRun.WAITING));
        Bson running = Updates.combine(Updates.set(PackRun.field(index, PackRun.CHILD_STATUS), PackRun.RUNNING),
                Updates.set(PackRun.field(index, PackRun.STARTED_AT), Date.from(now)),
                Updates.set(PackRun.field(index, PackRun.DEADLINE), Date.from(now.plus(request.point().timeout()))),
                Updates.set(PackRun.UPDATED_AT, Date.from(now)));
        return c.runs.updateOne(waiting, running, false).flatMap(result -> result.getModifiedCount() == 1 ? startChat(appId, c, run, index)
                : c.runs.findOne(eq("_id", run.getString("_id")))
                        .filter(latest -> !PackRun.RUNNING.equals(PackRun.children(latest).get(index).getString(PackRun.CHILD_STATUS)))
                        .flatMap(notRunning -> places.releaseChildPlace(appId, PackRun.placeKey(run.getString("_id"), index))));
    }

    /** The child's chat, created once (its request id is derived from the run and its place), and its first step queued. */
    Mono<Void> startChat(AppId appId, Records c, Document run, int index) {
        FanOutRequest request = PackRun.request(run);
        FanOutRequest.Child child = request.children().get(index);
        String runId = request.runId();
        ChildOf link = new ChildOf(run.getString(PackRun.PARENT_CHAT_ID), runId, index, child.initialMessage());
        return sessions.start(appId, new NewChat(run.getString(PackRun.USER_ID), child.workflow(), PackRun.requestId(runId, index),
                        ChatStatus.RUNNING, null, link))
                .flatMap(started -> {
                    String chatId = started.chat().chatId();
                    // Only when the derived id was taken by another chat does the record need the one it got.
                    Mono<Void> recorded = chatId.equals(PackRun.children(run).get(index).getString(PackRun.CHAT_ID)) ? Mono.empty()
                            : c.runs.updateOne(eq("_id", runId), Updates.set(PackRun.field(index, PackRun.CHAT_ID), chatId), false).then();
                    return recorded.then(queue.enqueue(new StepMessage(appId, chatId, 0, Lane.BACKGROUND), Duration.ZERO));
                });
    }

    // ---- ends ----

    @Override
    public Mono<Void> ended(AppId appId, String chatId) {
        return records(appId).flatMap(c -> c.chats.findOne(eq(ChatFields.CHAT_ID, chatId))
                .filter(chat -> chat.getString(ChatFields.PARENT_CHAT_ID) != null && chat.get(ChatFields.SPAWN) instanceof Document
                        && ChatStatus.fromWire(chat.getString(ChatFields.STATUS)).terminal())
                .flatMap(chat -> {
                    ChildOf link = ChildOf.from(chat.getString(ChatFields.PARENT_CHAT_ID), chat.get(ChatFields.SPAWN, Document.class), null);
                    String status = chat.getString(ChatFields.STATUS);
                    return settle(c, link.runId(), link.index(), chatId, status, ChildResults.of(chat))
                            .then(progress(appId, link.runId()));
                }));
    }

    /** Writes a child's end into its entry, if the entry still has it running, and gives its place back. */
    Mono<Boolean> settle(Records c, String runId, int index, String chatId, String status, Document result) {
        Instant now = now();
        List<Bson> updates = new ArrayList<>(List.of(Updates.set(PackRun.field(index, PackRun.CHILD_STATUS), status),
                Updates.set(PackRun.field(index, PackRun.ENDED_AT), Date.from(now)),
                Updates.set(PackRun.UPDATED_AT, Date.from(now))));
        result.forEach((name, value) -> updates.add(Updates.set(PackRun.field(index, name), value)));
        return c.runs.updateOne(and(eq("_id", runId), eq(PackRun.field(index, PackRun.CHAT_ID), chatId),
                        eq(PackRun.field(index, PackRun.CHILD_STATUS), PackRun.RUNNING)), Updates.combine(updates), false)
                .flatMap(updated -> updated.getModifiedCount() == 1
                        // The freed place, given back once the end is written (a crash between the two: see giveBackEnded).
                        ? places.releaseChildPlace(c.chats.appId(), PackRun.placeKey(runId, index)).thenReturn(true)
                        : Mono.just(false));
    }

    /**
     * Everything that follows from the run's state, safe to repeat: the parent hears of each ended child (in the order
     * they ended), {@code fail_all} stops the rest at the first failure, freed places go to waiting children, and once all
     * have ended the parent resumes (or fails). Made by one caller at a time under the run's progress lease, without
     * waiting: a caller that finds the lease held has marked the run dirty, and the holder goes round again for it. So
     * two children ending together are told in one order.
     */
    Mono<Void> progress(AppId appId, String runId) {
        String holder = java.util.UUID.randomUUID().toString();
        return records(appId).flatMap(c -> c.runs.updateOne(eq("_id", runId), Updates.set(PackRun.DIRTY, true), false)
                .then(c.runs.updateOne(and(eq("_id", runId), or(exists(PackRun.LEASE_UNTIL, false), lt(PackRun.LEASE_UNTIL, Date.from(now())))),
                        Updates.combine(Updates.set(PackRun.LEASE_HOLDER, holder), Updates.set(PackRun.LEASE_UNTIL, leaseEnd())), false))
                .flatMap(leased -> leased.getModifiedCount() == 1 ? advance(appId, c, runId, holder) : Mono.<Void>empty()));
    }

    /** One round under the lease, then lets go if nobody marked the run dirty meanwhile; else another round. */
    private Mono<Void> advance(AppId appId, Records c, String runId, String holder) {
        Bson mine = and(eq("_id", runId), eq(PackRun.LEASE_HOLDER, holder));
        return c.runs.updateOne(mine, Updates.combine(Updates.set(PackRun.DIRTY, false), Updates.set(PackRun.LEASE_UNTIL, leaseEnd())), false)
                .flatMap(renewed -> renewed.getModifiedCount() == 0 ? Mono.<Void>empty() // taken over after our lease ended
                        : round(appId, c, runId)
                                .onErrorResume(failed -> c.runs.updateOne(mine, Updates.unset(PackRun.LEASE_UNTIL), false).then(Mono.error(failed)))
                                .then(c.runs.updateOne(and(mine, eq(PackRun.DIRTY, false)), Updates.combine(Updates.unset(PackRun.LEASE_UNTIL),
                                        Updates.unset(PackRun.LEASE_HOLDER)), false))
                                .flatMap(released -> released.getModifiedCount() == 1 ? Mono.<Void>empty() : advance(appId, c, runId, holder)));
    }

    private Mono<Void> round(AppId appId, Records c, String runId) {
        return c.runs.findOne(eq("_id", runId))
                .filter(run -> PackRun.RUNNING.equals(run.getString(PackRun.STATUS)))
                .flatMap(run -> reportEnded(appId, c, run)
                        .then(Mono.defer(() -> stopOnFailure(appId, c, run)))
                        .then(Mono.defer(() -> giveBackEnded(appId, run)))
                        .then(Mono.defer(() -> startWaiting(appId, c)))
                        .then(c.runs.findOne(eq("_id", runId)))
                        .filter(latest -> PackRun.RUNNING.equals(latest.getString(PackRun.STATUS))
                                && PackRun.children(latest).stream().allMatch(PackRun::ended))
                        // Places of children that ended since the round's first read go back too: once the run is
                        // finished no later round would give them back.
                        .flatMap(done -> reportEnded(appId, c, done).then(Mono.defer(() -> giveBackEnded(appId, done)))
                                .then(Mono.defer(() -> finish(appId, c, done)))));
    }

    /** Places still held by the run's ended children (a crash after their end was written, before the place was given back). */
    private Mono<Void> giveBackEnded(AppId appId, Document run) {
        String runId = run.getString("_id");
        List<Document> children = PackRun.children(run);
        return places.childPlaceHolders(appId).flatMapMany(held -> Flux.range(0, children.size())
                        .filter(index -> PackRun.ended(children.get(index)) && held.contains(PackRun.placeKey(runId, index))))
                .concatMap(index -> places.releaseChildPlace(appId, PackRun.placeKey(runId, index)))
                .then();
    }

    private Date leaseEnd() {
        return Date.from(now().plus(PROGRESS_LEASE));
    }

    /**
     * Tells the parent of each ended child not told yet, in the order they ended, counting on from those told before; an
     * entry is marked {@code reported} once its event is in the log (a repeat finds the event by its key).
     */
    private Mono<Void> reportEnded(AppId appId, Records c, Document run) {
        FanOutRequest request = PackRun.request(run);
        List<Document> children = PackRun.children(run);
        int told = (int) children.stream().filter(child -> child.getBoolean(PackRun.REPORTED, false)).count();
        List<Integer> fresh = new ArrayList<>();
        for (int index = 0; index < children.size(); index++) {
            if (PackRun.ended(children.get(index)) && !children.get(index).getBoolean(PackRun.REPORTED, false)) {
                fresh.add(index);
            }
        }
        fresh.sort(Comparator.comparing((Integer index) -> endedAt(children.get(index))).thenComparing(index -> index));
        return Flux.range(0, fresh.size()).concatMap(position -> {
            int index = fresh.get(position);
            Document child = children.get(index);
            return append(appId, run, key(request.runId(), "child:" + index), EventKind.WORKFLOW_CHILD_COMPLETED,
                            data("run_id", request.runId(), "trigger_id", request.point().id(), "chat_id", child.getString(PackRun.CHAT_ID),
                                    "workflow_name", child.getString(PackRun.WORKFLOW), "index", index,
                                    "status", child.getString(PackRun.CHILD_STATUS), "completed_count", told + position + 1,
                                    "total", children.size()))
                    .then(c.runs.updateOne(eq("_id", request.runId()), Updates.set(PackRun.field(index, PackRun.REPORTED), true), false))
                    .then();
        }).then();
    }

    private static Date endedAt(Document child) {
        Date ended = child.getDate(PackRun.ENDED_AT);
        return ended != null ? ended : new Date(Long.MAX_VALUE);
    }

    /** {@code fail_all}: after a failure, children not started are skipped and running ones asked to stop. */
    private Mono<Void> stopOnFailure(AppId appId, Records c, Document run) {
        FanOutRequest request = PackRun.request(run);
        List<Document> children = PackRun.children(run);
        boolean failed = children.stream().anyMatch(child -> PackRun.ended(child) && !PackRun.succeeded(child)
                && !PackRun.SKIPPED.equals(child.getString(PackRun.CHILD_STATUS)));
        if (request.point().onPartialFailure() != FanOut.PartialFailure.FAIL_ALL || !failed) {
            return Mono.empty();
        }
        // Stopping first: no child starts after it, so the record read next shows every child that may still run.
        return c.runs.updateOne(eq("_id", request.runId()), Updates.set(PackRun.STOPPING, true), false)
                .then(c.runs.findOne(eq("_id", request.runId())))
                .flatMap(latest -> stopAll(appId, c, latest));
    }

    private Mono<Void> stopAll(AppId appId, Records c, Document run) {
        FanOutRequest request = PackRun.request(run);
        List<Document> children = PackRun.children(run);
        return Flux.range(0, children.size()).concatMap(index -> {
            String status = children.get(index).getString(PackRun.CHILD_STATUS);
            if (PackRun.WAITING.equals(status)) {
                return c.runs.updateOne(and(eq("_id", request.runId()), eq(PackRun.field(index, PackRun.CHILD_STATUS), PackRun.WAITING)),
                        Updates.combine(Updates.set(PackRun.field(index, PackRun.CHILD_STATUS), PackRun.SKIPPED),
                                Updates.set(PackRun.field(index, PackRun.ENDED_AT), Date.from(now()))), false).then();
            }
            if (PackRun.RUNNING.equals(status)) {
                return cancel(appId, run, index);
            }
            return Mono.<Void>empty();
        }).then();
    }

    /**
     * Asks a running child to stop: it ends {@code cancelled} at its next step boundary, or at once while it waits, and
     * then its end is recorded here (the caller moves the run on).
     */
    Mono<Void> cancel(AppId appId, Document run, int index) {
        String chatId = PackRun.children(run).get(index).getString(PackRun.CHAT_ID);
        return inputs.cancel(appId, run.getString(PackRun.USER_ID), chatId)
                .onErrorResume(ai.mozaiks.api.ApiException.class, gone -> Mono.empty())
                .filter(result -> result.status().terminal())
                .flatMap(result -> records(appId).flatMap(c -> c.chats.findOne(eq(ChatFields.CHAT_ID, chatId))
                        .flatMap(chat -> settle(c, run.getString("_id"), index, chatId, chat.getString(ChatFields.STATUS), ChildResults.of(chat)))))
                .then();
    }

    // ---- fan-in ----

    /** Every child ended: the parent resumes with the merged results, or fails under {@code fail_all}; the run closes. */
    private Mono<Void> finish(AppId appId, Records c, Document run) {
        FanOutRequest request = PackRun.request(run);
        List<Document> children = PackRun.children(run);
        long succeeded = children.stream().filter(PackRun::succeeded).count();
        long failed = children.size() - succeeded;
        boolean failParent = failed > 0 && request.point().onPartialFailure() == FanOut.PartialFailure.FAIL_ALL;
        String parentChatId = run.getString(PackRun.PARENT_CHAT_ID);
        return c.chats.findOne(eq(ChatFields.CHAT_ID, parentChatId)).flatMap(parent -> {
            boolean waiting = ChatStatus.AWAITING_CHILDREN.wire().equals(parent.getString(ChatFields.STATUS))
                    && parent.get(ChatFields.FAN_OUT) instanceof Document fanOut && request.runId().equals(fanOut.getString("run_id"));
            if (!waiting) {
                // Resumed already (a repeat), or the parent ended meanwhile (cancelled): only the record is left to close.
                return close(c, request.runId(), request.runId().equals(parent.getString(ChatFields.RESUMED_FROM))
                        ? PackRun.RESUMED : PackRun.CANCELLED);
            }
            return failParent ? failParent(appId, c, run, parent, failed) : resume(appId, c, run, parent, succeeded, failed);
        }).switchIfEmpty(Mono.defer(() -> close(c, request.runId(), PackRun.CANCELLED)));
    }

    private Mono<Void> resume(AppId appId, Records c, Document run, Document parent, long succeeded, long failed) {
        FanOutRequest request = PackRun.request(run);
        List<Document> children = PackRun.children(run);
        ChildResults.Merged merged = ChildResults.merge(request.point().mergeMode(), children);
        ConversationState state = ConversationState.fromDocument(parent.get(ChatFields.CONVERSATION, Document.class));
        Map<String, Object> variables = new LinkedHashMap<>(state.variables());
        variables.put(request.point().injectAs(), merged.value());
        String note = "The " + children.size() + " child workflows have finished (" + succeeded + " completed, " + failed
                + " did not). Their results (" + request.point().injectAs() + "):\n\n" + merged.text();
        ConversationState resumed = state.afterChildren(note, variables, request.resumeAgent(), window);
        Map<String, Object> data = data("chat_id", parent.getString(ChatFields.CHAT_ID), "workflow_name", parent.getString(ChatFields.WORKFLOW_NAME),
                "resume_agent", request.resumeAgent(), "trigger_id", request.point().id(), "run_id", request.runId(),
                "succeeded_count", succeeded, "failed_count", failed, "merge_summary_preview", merged.preview());
        return append(appId, run, key(request.runId(), "resumed"), EventKind.WORKFLOW_RESUMED, data)
                // The parent's step takes a run slot, or the parent is queued for one.
                .then(inputs.resumeFromChildren(appId, parent, request.runId(), resumed.toDocument()))
                .then(close(c, request.runId(), PackRun.RESUMED));
    }

    private Mono<Void> failParent(AppId appId, Records c, Document run, Document parent, long failed) {
        FanOutRequest request = PackRun.request(run);
        long step = ((Number) parent.get(ChatFields.STEP_SEQ)).longValue();
        String message = failed + " of " + PackRun.children(run).size() + " child workflows did not complete, so this workflow stopped.";
        List<NewEvent> batch = List.of(
                new NewEvent(key(request.runId(), "error"), EventKind.ERROR, data("message", message, "error_code", ERROR_CODE,
                        "run_id", request.runId(), "trigger_id", request.point().id())),
                new NewEvent(key(request.runId(), "failed"), EventKind.RUN_COMPLETE, data("status", ChatStatus.FAILED.wire(),
                        "reason", "children_failed")));
        String chatId = parent.getString(ChatFields.CHAT_ID);
        // The events first: a parent never ends silently (a repeat finds them by key).
        return recorder.record(appId, chatId, batch)
                .then(c.store.failFromChildren(chatId, step, request.runId(), now()))
                .then(close(c, request.runId(), PackRun.FAILED));
    }

    private Mono<Void> close(Records c, String runId, String status) {
        return c.runs.updateOne(and(eq("_id", runId), eq(PackRun.STATUS, PackRun.RUNNING)),
                Updates.combine(Updates.set(PackRun.STATUS, status), Updates.set(PackRun.UPDATED_AT, Date.from(now()))), false).then();
    }

    // ---- helpers ----

    /** Appends one event to the parent chat (idempotent on its key) and sends it live. */
    private Mono<Void> append(AppId appId, Document run, String key, EventKind kind, Map<String, Object> data) {
        String parentChatId = run.getString(PackRun.PARENT_CHAT_ID);
        return recorder.recordOnce(appId, parentChatId, key, kind, data);
    }

    private static String key(String runId, String what) {
        return "fan_out:" + runId + ":" + what;
    }

    /** Where one app's chats (to read, and their {@link ChatStore} to change them) and fan-out runs are. */
    record Records(AppCollection chats, ChatStore store, AppCollection runs) {
    }

    Mono<Records> records(AppId appId) {
        return databases.forApp(appId).map(database -> new Records(database.collection(RuntimeCollection.CHAT_SESSIONS), ChatStore.of(database),
                database.collection(RuntimeCollection.PACK_RUNS)));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

}
