package ai.mozaiks.children;

import ai.mozaiks.engine.FanOutRequest;
import ai.mozaiks.session.ChatIds;
import ai.mozaiks.kernel.AppId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/**
 * The durable record of one fan-out ({@code pack_runs}, {@code _id} the run id): who waits (the parent), how results
 * are merged, and each child's state. Children move {@code waiting → running → completed | failed | timed_out |
 * cancelled}, or {@code waiting → skipped}; a child the app may not run starts {@code failed}. Each move is one conditional update of this document, so a repeat changes
 * nothing. The run moves {@code running → resumed | failed | cancelled} once, when its parent goes on (or ended).
 */
final class PackRun {
    static final String STATUS = "status";
    static final String PARENT_CHAT_ID = "parent_chat_id";
    static final String PARENT_WORKFLOW = "parent_workflow_name";
    static final String USER_ID = "user_id";
    static final String REQUEST = "request";
    static final String CHILDREN = "children";
    static final String CREATED_AT = "created_at";
    static final String UPDATED_AT = "updated_at";
    /** {@code fail_all} is stopping the run: no child starts any more. */
    static final String STOPPING = "stopping";
    /** The run's progress lease ({@link ChildRuns#progress}): who holds it, until when, and whether there is more to do. */
    static final String LEASE_HOLDER = "progress_holder";
    static final String LEASE_UNTIL = "progress_until";
    static final String DIRTY = "progress_dirty";

    // The run's states.
    static final String RUNNING = "running";
    static final String RESUMED = "resumed";
    static final String FAILED = "failed";
    static final String CANCELLED = "cancelled";

    // A child's fields and states.
    static final String WORKFLOW = "workflow";
    static final String CHAT_ID = "chat_id";
    static final String CHILD_STATUS = "status";
    static final String STARTED_AT = "started_at";
    static final String DEADLINE = "deadline";
    static final String ENDED_AT = "ended_at";
    static final String SUMMARY = "summary";
    static final String OUTPUT = "output";
    /** Set once the parent was told of the child's end ({@code chat.workflow_child_completed}). */
    static final String REPORTED = "reported";
    /** Why a child failed without running, or timed out. */
    static final String REASON = "reason";
    static final String WAITING = "waiting";
    static final String COMPLETED = "completed";
    static final String TIMED_OUT = "timed_out";
    static final String SKIPPED = "skipped";
    /** A child chat that took its max_turns: ended, not succeeded. */
    static final String MAX_TURNS_REACHED = "max_turns_reached";
    private static final Set<String> ENDED = Set.of(COMPLETED, MAX_TURNS_REACHED, FAILED, TIMED_OUT, CANCELLED, SKIPPED);

    private PackRun() {
    }

    /** A new run: every child waiting, each with the chat id its start will have (derived from the run and its place). */
    static Document create(AppId appId, FanOutRequest request, String parentChatId, String parentWorkflow, String userId,
                           List<Optional<String>> refusals, Instant now) {
        List<Document> children = new ArrayList<>();
        for (int index = 0; index < request.children().size(); index++) {
            Document child = new Document(WORKFLOW, request.children().get(index).workflow())
                    .append(CHAT_ID, ChatIds.forRequest(appId, userId, requestId(request.runId(), index)));
            Optional<String> refused = refusals.get(index);
            if (refused.isPresent()) {
                child.append(CHILD_STATUS, FAILED).append(REASON, refused.get()).append(ENDED_AT, Date.from(now));
            } else {
                child.append(CHILD_STATUS, WAITING);
            }
            children.add(child);
        }
        return new Document("_id", request.runId())
                .append(STATUS, RUNNING)
                .append(PARENT_CHAT_ID, parentChatId)
                .append(PARENT_WORKFLOW, parentWorkflow)
                .append(USER_ID, userId)
                .append(REQUEST, request.toDocument())
                .append(CHILDREN, children)
                .append(CREATED_AT, Date.from(now))
                .append(UPDATED_AT, Date.from(now));
    }

    /** The key a child holds one of the app's places under (tenancy.RunSlots): its run and its place in it. */
    static String placeKey(String runId, int index) {
        return runId + ":" + index;
    }

    /** The client request id a child's chat is started with: a retried start finds the same chat. */
    static String requestId(String runId, int index) {
        return "child:" + runId + ":" + index;
    }

    static FanOutRequest request(Document run) {
        return FanOutRequest.fromDocument(run.get(REQUEST, Document.class));
    }

    static List<Document> children(Document run) {
        return run.getList(CHILDREN, Document.class);
    }

    /** The path of a child's field in the run document, for conditional updates. */
    static String field(int index, String name) {
        return CHILDREN + "." + index + "." + name;
    }

    static boolean ended(Document child) {
        return ENDED.contains(child.getString(CHILD_STATUS));
    }

    static boolean succeeded(Document child) {
        return COMPLETED.equals(child.getString(CHILD_STATUS));
    }
}
