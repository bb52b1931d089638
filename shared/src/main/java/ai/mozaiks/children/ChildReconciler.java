package ai.mozaiks.children;

import ai.mozaiks.persistence.ScopedField;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lt;

import ai.mozaiks.engine.FanOutRequest;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.LiveApps;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Finishes what a crash left half done in fan-outs, and enforces their timeouts (the reaper timer runs it). Per live app:
 * <ul>
 *   <li>a parent committed waiting for children whose run was never recorded (a crash right after the commit) is spawned;</li>
 *   <li>in each running run, a child marked running whose chat was never created gets it (and its first step); a child
 *       whose chat ended without the run hearing of it (a crash, a cancel, a poisoned step) has its end recorded; a child
 *       past its deadline is recorded {@code timed_out} and its chat cancelled;</li>
 *   <li>a run whose parent ended meanwhile (the user cancelled it) stops its children and closes;</li>
 *   <li>then the run moves on as after any child's end: waiting children start in freed places, and a run whose
 *       children have all ended resumes its parent — once, whatever was resumed before.</li>
 * </ul>
 * The run's counts are never stored, only derived from its children's entries, so there is no counter to drift; the
 * entries themselves are what is reconciled with the chats. Every action is reported and safe to repeat.
 */
public final class ChildReconciler {
    /** Runs and waiting parents looked at per app and sweep; the rest wait for the next sweep. */
    static final int PER_APP = 200;

    /** What one sweep did (for the log): {@code action} on {@code id} (a chat or a run). */
    public interface Progress {
        void acted(AppId appId, String action, String id);
    }

    private final MongoCollection<Document> apps;
    private final ChildRuns runs;
    private final Duration spawnGrace;
    private final Clock clock;

    /** {@code spawnGrace}: how long a waiting parent may go without its run before it is spawned again. */
    public ChildReconciler(MongoCollection<Document> apps, ChildRuns runs, Duration spawnGrace, Clock clock) {
        this.apps = apps;
        this.runs = runs;
        this.spawnGrace = spawnGrace;
        this.clock = clock;
    }

    /** One sweep over every live app; answers how many actions it took. */
    public Mono<Integer> sweep(Progress progress) {
        return LiveApps.ids(apps)
                .concatMap(appId -> unspawned(appId, progress).concatWith(running(appId, progress)))
                .reduce(0, Integer::sum);
    }

    private Flux<Integer> unspawned(AppId appId, Progress progress) {
        Date before = Date.from(clock.instant().minus(spawnGrace));
        return runs.records(appId).flatMapMany(c -> c.chats()
                .find(and(eq(ChatFields.STATUS, ChatStatus.AWAITING_CHILDREN.wire()), lt(ChatFields.UPDATED_AT, before)),
                        Sorts.ascending(ScopedField.APP_ID, ChatFields.STATUS, ChatFields.UPDATED_AT), PER_APP)
                .filter(parent -> parent.get(ChatFields.FAN_OUT) instanceof Document)
                .concatMap(parent -> {
                    String runId = parent.get(ChatFields.FAN_OUT, Document.class).getString("run_id");
                    String chatId = parent.getString(ChatFields.CHAT_ID);
                    return c.runs().findOne(eq("_id", runId)).map(found -> 0)
                            .switchIfEmpty(Mono.defer(() -> runs.spawn(appId, chatId)
                                    .then(Mono.fromRunnable(() -> progress.acted(appId, "fan_out_spawned", chatId)))
                                    .thenReturn(1)));
                }));
    }

    private Flux<Integer> running(AppId appId, Progress progress) {
        return runs.records(appId).flatMapMany(c -> c.runs()
                // Sorts on the indexes' full keys (app_status_updated, app_status_created): Cosmos RU sorts only on exact ones.
                .find(eq(PackRun.STATUS, PackRun.RUNNING), Sorts.ascending(ScopedField.APP_ID, PackRun.STATUS, PackRun.CREATED_AT), PER_APP)
                .concatMap(run -> c.chats().findOne(eq(ChatFields.CHAT_ID, run.getString(PackRun.PARENT_CHAT_ID)))
                        .map(parent -> parentGone(run, parent))
                        .defaultIfEmpty(true)
                        .flatMap(gone -> gone ? stop(appId, c, run, progress) : children(appId, c, run, progress))
                        .flatMap(acted -> runs.progress(appId, run.getString("_id")).thenReturn(acted))));
    }

    /** The parent ended without this run resuming it: nobody waits for the children any more. */
    private static boolean parentGone(Document run, Document parent) {
        ChatStatus status = ChatStatus.fromWire(parent.getString(ChatFields.STATUS));
        return status.terminal() && !run.getString("_id").equals(parent.getString(ChatFields.RESUMED_FROM));
    }

    private Mono<Integer> stop(AppId appId, ChildRuns.Records c, Document run, Progress progress) {
        String runId = run.getString("_id");
        List<Document> children = PackRun.children(run);
        return Flux.range(0, children.size())
                .concatMap(index -> {
                    String status = children.get(index).getString(PackRun.CHILD_STATUS);
                    if (PackRun.WAITING.equals(status)) {
                        return c.runs().updateOne(and(eq("_id", runId), eq(PackRun.field(index, PackRun.CHILD_STATUS), PackRun.WAITING)),
                                Updates.set(PackRun.field(index, PackRun.CHILD_STATUS), PackRun.SKIPPED), false).then();
                    }
                    return PackRun.RUNNING.equals(status) ? runs.cancel(appId, run, index) : Mono.<Void>empty();
                })
                .then(c.runs().updateOne(and(eq("_id", runId), eq(PackRun.STATUS, PackRun.RUNNING)),
                        Updates.set(PackRun.STATUS, PackRun.CANCELLED), false))
                .doOnNext(closed -> progress.acted(appId, "fan_out_cancelled", runId))
                .thenReturn(1);
    }

    private Mono<Integer> children(AppId appId, ChildRuns.Records c, Document run, Progress progress) {
        Instant now = clock.instant();
        String runId = run.getString("_id");
        FanOutRequest request = PackRun.request(run);
        List<Document> children = PackRun.children(run);
        return Flux.range(0, children.size())
                .filter(index -> PackRun.RUNNING.equals(children.get(index).getString(PackRun.CHILD_STATUS)))
                .concatMap(index -> {
                    Document child = children.get(index);
                    String chatId = child.getString(PackRun.CHAT_ID);
                    return c.chats().findOne(eq(ChatFields.CHAT_ID, chatId))
                            .map(Optional::of)
                            .defaultIfEmpty(Optional.empty())
                            .flatMap(found -> {
                                if (found.isEmpty()) {
                                    // Marked running, but the crash came before its chat was created.
                                    return runs.startChat(appId, c, run, index)
                                            .then(Mono.fromRunnable(() -> progress.acted(appId, "child_started", chatId)))
                                            .thenReturn(1);
                                }
                                Document chat = found.get();
                                if (ChatStatus.fromWire(chat.getString(ChatFields.STATUS)).terminal()) {
                                    return runs.settle(c, runId, index, chatId, chat.getString(ChatFields.STATUS), ChildResults.of(chat))
                                            .filter(Boolean::booleanValue)
                                            .doOnNext(settled -> progress.acted(appId, "child_end_recorded", chatId))
                                            .map(settled -> 1);
                                }
                                Date deadline = child.getDate(PackRun.DEADLINE);
                                if (deadline != null && deadline.toInstant().isBefore(now)) {
                                    Document result = ChildResults.of(chat).append(PackRun.REASON, "timed out after "
                                            + request.point().timeout().toSeconds() + " s");
                                    return runs.settle(c, runId, index, chatId, PackRun.TIMED_OUT, result)
                                            .filter(Boolean::booleanValue)
                                            .flatMap(settled -> runs.cancel(appId, run, index).thenReturn(1))
                                            .doOnNext(settled -> progress.acted(appId, "child_timed_out", chatId));
                                }
                                return Mono.<Integer>empty();
                            });
                })
                .reduce(0, Integer::sum);
    }
}
