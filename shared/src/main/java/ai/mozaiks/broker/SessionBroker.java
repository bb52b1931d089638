package ai.mozaiks.broker;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.Page;
import ai.mozaiks.api.PageRequest;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepQueue;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.identity.RuntimeToken;
import ai.mozaiks.journeys.Journeys;
import ai.mozaiks.journeys.PackGraph;
import ai.mozaiks.realtime.ClientAccess;
import ai.mozaiks.session.ChatSession;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.session.StartedChat;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.Entitlement;
import ai.mozaiks.tenancy.AppLimits;
import ai.mozaiks.tenancy.Entitlements;
import ai.mozaiks.tenancy.StartLimits;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * The session broker: with the user's own token, starts a chat (after the entitlement check, within the start limits,
 * holding a run slot) or resumes one of theirs, and answers with the chat's Web PubSub URL and a short-lived runtime token
 * scoped to that chat. Someone the app's access policy does not include learns nothing about it.
 */
public final class SessionBroker {
    private final MongoCollection<Document> apps;
    private final Entitlements entitlements;
    private final StartLimits limits;
    private final Journeys journeys;
    private final ChatSessions sessions;
    private final RuntimeTokens tokens;
    private final ClientAccess realtime;
    private final StepQueue steps;
    private final Duration tokenLifetime;

    public SessionBroker(MongoCollection<Document> apps, Entitlements entitlements, StartLimits limits, Journeys journeys,
                         ChatSessions sessions, RuntimeTokens tokens, ClientAccess realtime, StepQueue steps, Duration tokenLifetime) {
        this.apps = apps;
        this.entitlements = entitlements;
        this.limits = limits;
        this.journeys = journeys;
        this.sessions = sessions;
        this.tokens = tokens;
        this.realtime = realtime;
        this.steps = steps;
        this.tokenLifetime = tokenLifetime;
    }

    public Mono<SessionGrant> start(Principal user, SessionRequests.StartSession request) {
        request.validate();
        AppId appId = AppId.of(request.appId());
        String owner = ChatUser.id(user);
        return app(request.appId()).flatMap(app -> {
            Mono<StartedChat> chat = request.chatId() != null
                    ? entitlements.canReturn(app, user).flatMap(decision -> admit(decision))
                            .then(sessions.resume(appId, owner, request.chatId()))
                    : entitlements.canStart(app, user, request.workflowName())
                            .flatMap(decision -> admit(decision).then(Mono.defer(() -> newRun(app, user, owner, request, decision.workflowRef()))))
                            // The first step opens the run (an agent-driven workflow's first turn, or the wait for the
                            // user's first message); a retried start re-sends it, which the executor answers as stale.
                            .flatMap(started -> steps.enqueue(new StepMessage(appId, started.chat().chatId(), 0), Duration.ZERO)
                                    .thenReturn(started));
            return chat.flatMap(started -> grant(appId, owner, started));
        });
    }

    /**
     * A new chat, created {@code running} holding a run slot, or the chat a retry of this start made (which takes
     * nothing again). No lock: the limits are conditional updates and counts ({@link StartLimits}), so a burst within
     * them is all admitted and one beyond them is refused at once, with nothing created. The slot is taken for the
     * chat's id before the chat exists; a crash between the two leaves a holder without a running chat, taken at a known
     * time, which the reaper gives back.
     */
    private Mono<StartedChat> newRun(Document app, Principal user, String owner, SessionRequests.StartSession request, String workflowRef) {
        AppId appId = AppId.of(request.appId());
        AppLimits appLimits = entitlements.limits(app);
        // Pinned to the version the start was entitled to, so the run and the decision never disagree.
        NewChat chat = new NewChat(owner, request.workflowName(), request.clientRequestId(), ChatStatus.RUNNING,
                journeys.opening(request.workflowName()).orElse(null)).pinnedTo(workflowRef);
        return sessions.plan(appId, chat).flatMap(planned -> planned.existing() != null ? Mono.just(planned.existing())
                : limits.countStart(appId, user, appLimits)
                        .then(journeys.missing(appId, owner, request.workflowName()))
                        .flatMap(missing -> missing.isEmpty() ? Mono.<Void>empty() : Mono.error(unmet(request.workflowName(), missing)))
                        .then(limits.checkOpenChats(appId, owner, appLimits))
                        .then(limits.takeRunSlot(appId, owner, planned.chatId(), appLimits))
                        // A random id is this start's alone, so a refused insert gives its slot back at once. Any other
                        // failure may have created the chat after all (or a retry of this start may hold the same slot):
                        // the holder stays, for the reaper to give back once it sees no running chat.
                        .then(sessions.create(appId, chat, planned.chatId())
                                .onErrorResume(ApiException.class, refused -> chat.clientRequestId() != null ? Mono.error(refused)
                                        : limits.giveBack(appId, owner, planned.chatId()).then(Mono.error(refused)))));
    }

    /** The caller's recent chats in the app. */
    public Mono<Page<ChatSession>> recent(Principal user, String appId, PageRequest page) {
        return app(appId).flatMap(app -> entitlements.canReturn(app, user).flatMap(this::admit))
                .then(sessions.listRecent(AppId.of(appId), ChatUser.id(user), page));
    }

    /** One of the caller's chats. */
    public Mono<ChatSession> chat(Principal user, String appId, String chatId) {
        return app(appId).flatMap(app -> entitlements.canReturn(app, user).flatMap(this::admit))
                .then(sessions.get(AppId.of(appId), ChatUser.id(user), chatId));
    }

    private Mono<SessionGrant> grant(AppId appId, String owner, StartedChat started) {
        ChatSession chat = started.chat();
        RuntimeToken grant = tokens.grant(appId, owner, chat.chatId());
        return realtime.chatUrl(appId.value(), chat.chatId(), owner, tokenLifetime)
                .map(url -> new SessionGrant(chat.chatId(), started.outcome().wire(), chat.workflowName(), url, tokens.issue(grant),
                        grant.expiresAt()));
    }

    /** 409 naming every workflow that must complete first, and why. */
    private static ApiException unmet(String workflow, List<PackGraph.Prerequisite> missing) {
        return ApiException.conflict("prerequisites_missing", workflow + " starts once " + missing.stream()
                .map(prerequisite -> prerequisite.workflow() + (prerequisite.reason() == null ? "" : " (" + prerequisite.reason() + ")"))
                .collect(Collectors.joining(", ")) + " completed.");
    }

    private Mono<Void> admit(Entitlement decision) {
        if (decision.allowed()) {
            return Mono.empty();
        }
        if (decision.reason() == Entitlement.Reason.NOT_ALLOWED) {
            return Mono.error(ApiException.notFound("The app"));
        }
        return Mono.error(decision.refusal());
    }

    private Mono<Document> app(String appId) {
        return Mono.from(apps.find(eq("_id", appId)).first())
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The app")));
    }
}
