package ai.mozaiks.journeys;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.engine.ChatCompletions;
import ai.mozaiks.engine.RunQueue;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.ChatSession;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventRecorder;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.JourneyTag;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Journeys and prerequisites of the {@link PackGraph}. A workflow starts only once what it requires has completed
 * (for the same user, or anyone in the app for a gate scoped to the app). A chat of a journey's first step opens a run
 * of the journey; when a step completes (every workflow of a parallel group), the next step's chats start on their
 * own, are queued, and the completed chat says where the conversation went on ({@code chat.context_switched}).
 * Everything is keyed so a repeat does nothing twice: the next chats by a client request id derived from the run and
 * step, the event by the chat it points to.
 */
public final class Journeys implements ChatCompletions {
    private final PackGraph graph;
    private final AppDatabases databases;
    private final ChatSessions sessions;
    private final EventRecorder recorder;
    private final RunQueue runs;

    /** {@code runs}: a step's next chats wait for run slots like any other start, and run in turn. */
    public Journeys(PackGraph graph, AppDatabases databases, ChatSessions sessions, EventLog events, ChatFeed feed, RunQueue runs) {
        this.graph = graph;
        this.databases = databases;
        this.sessions = sessions;
        this.recorder = new EventRecorder(events, feed);
        this.runs = runs;
    }

    /** The prerequisites of {@code workflow} that have not completed for {@code owner}. */
    public Mono<List<PackGraph.Prerequisite>> missing(AppId appId, String owner, String workflow) {
        List<PackGraph.Prerequisite> required = graph.prerequisites(workflow);
        if (required.isEmpty()) {
            return Mono.just(List.of());
        }
        return chats(appId).flatMap(chats -> Flux.fromIterable(required)
                .filterWhen(prerequisite -> chats.count(completed(prerequisite, owner)).map(found -> found == 0))
                .collectList());
    }

    /** The journey run a chat of {@code workflow} opens, when the workflow is in a journey's first step. */
    public Optional<JourneyTag> opening(String workflow) {
        return graph.place(workflow).filter(place -> place.step() == 0)
                .map(place -> new JourneyTag(place.journey().key(), "journey_" + UUID.randomUUID().toString().replace("-", ""), 0));
    }

    @Override
    public Mono<Void> completed(AppId appId, String chatId) {
        return chats(appId).flatMap(chats -> chats.findOne(eq(ChatFields.CHAT_ID, chatId)).flatMap(chat -> {
            Document journey = chat.get(ChatFields.JOURNEY, Document.class);
            if (journey == null || !ChatStatus.COMPLETED.wire().equals(chat.getString(ChatFields.STATUS))) {
                return Mono.empty();
            }
            JourneyTag tag = JourneyTag.from(journey);
            Optional<PackGraph.Journey> found = graph.journey(tag.key()).filter(j -> tag.step() + 1 < j.steps().size());
            if (found.isEmpty()) {
                return Mono.empty();
            }
            String owner = chat.getString(ChatFields.USER_ID);
            int members = found.get().steps().get(tag.step()).size();
            Mono<Boolean> stepDone = members == 1 ? Mono.just(true)
                    : chats.count(and(eq(ChatFields.USER_ID, owner), eq(ChatFields.JOURNEY + ".id", tag.id()),
                            eq(ChatFields.JOURNEY + ".step", tag.step()), eq(ChatFields.STATUS, ChatStatus.COMPLETED.wire())))
                            .map(done -> done >= members);
            return stepDone.filter(Boolean::booleanValue).flatMap(done -> next(appId, chatId, owner, tag, found.get()));
        }));
    }

    /**
     * Starts the next step's chats {@code queued} for run slots, then runs the app's queued chats in turn (these last,
     * as the newest); the last of them is where the conversation goes on.
     */
    private Mono<Void> next(AppId appId, String fromChatId, String owner, JourneyTag tag, PackGraph.Journey journey) {
        JourneyTag nextTag = new JourneyTag(tag.key(), tag.id(), tag.step() + 1);
        return Flux.fromIterable(journey.steps().get(nextTag.step()))
                .concatMap(workflow -> sessions.start(appId, new NewChat(owner, workflow,
                                "journey-" + tag.id() + "-" + nextTag.step() + "-" + workflow, ChatStatus.QUEUED, nextTag))
                        .map(started -> started.chat()))
                .last()
                .flatMap(to -> runs.queued(appId)
                        .then(recorder.record(appId, fromChatId, "journey:" + to.chatId(), EventKind.CONTEXT_SWITCHED,
                                switched(appId, fromChatId, to, nextTag))))
                .then();
    }

    private static Map<String, Object> switched(AppId appId, String fromChatId, ChatSession to, JourneyTag tag) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("from_chat_id", fromChatId);
        data.put("to_chat_id", to.chatId());
        data.put("workflow_name", to.workflowName());
        data.put("app_id", appId.value());
        data.put("journey_id", tag.id());
        data.put("journey_key", tag.key());
        data.put("journey_step", tag.step());
        return data;
    }

    private static Bson completed(PackGraph.Prerequisite prerequisite, String owner) {
        Bson done = and(eq(ChatFields.WORKFLOW_NAME, prerequisite.workflow()), eq(ChatFields.STATUS, ChatStatus.COMPLETED.wire()));
        return prerequisite.perApp() ? done : and(eq(ChatFields.USER_ID, owner), done);
    }

    private Mono<AppCollection> chats(AppId appId) {
        return databases.forApp(appId).map(database -> database.collection(RuntimeCollection.CHAT_SESSIONS));
    }
}
