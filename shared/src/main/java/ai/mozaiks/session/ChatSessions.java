package ai.mozaiks.session;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.Page;
import ai.mozaiks.api.PageRequest;
import ai.mozaiks.http.Problem;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.persistence.ScopedField;
import ai.mozaiks.kernel.AppId;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * Chat sessions of one app's users: start (idempotent on a client request id), resume, read and
 * list. A chat is visible only to its owner in its own app; for anyone else it does not exist.
 */
public final class ChatSessions {
    /** Fresh random ids to try when a new id collides, which at 96 random bits means never. */
    private static final int ID_ATTEMPTS = 3;

    private final AppDatabases databases;
    private final Clock clock;
    private final RecentChats recent = new RecentChats();

    public ChatSessions(AppDatabases databases, Clock clock) {
        this.databases = databases;
        this.clock = clock;
    }

    /**
     * Creates a chat, or, when the same user already started one with this client request id,
     * returns that chat as {@link StartOutcome#RESUMED}. Reusing a request id for another
     * workflow is refused (422), as reusing an {@code Idempotency-Key} with another body is.
     */
    public Mono<StartedChat> start(AppId appId, NewChat chat) {
        return Mono.fromRunnable(chat::validate)
                .then(sessions(appId))
                .flatMap(sessions -> chat.clientRequestId() == null
                        ? create(sessions, chat, ChatIds.random(), ID_ATTEMPTS)
                        : createForRequest(sessions, appId, chat));
    }

    /**
     * A start whose chat id is chosen before the chat exists (so a run slot can be taken for it first): either the chat
     * this user already started with the request id ({@code existing}, a retry), or the id a new chat is to get.
     */
    public record Planned(StartedChat existing, String chatId) {
    }

    /**
     * Plans a start: the chat a retried start (same user and client request id) made, as {@link StartOutcome#RESUMED}
     * (422 for another workflow, as in {@link #start}), or the id to {@link #create} the chat with — derived from the
     * request id, or random.
     */
    public Mono<Planned> plan(AppId appId, NewChat chat) {
        return Mono.fromRunnable(chat::validate).then(Mono.defer(() -> {
            if (chat.clientRequestId() == null) {
                return Mono.just(new Planned(null, ChatIds.random()));
            }
            String derived = ChatIds.forRequest(appId, chat.userId(), chat.clientRequestId());
            return sessions(appId).flatMap(sessions -> sessions.findOne(eq(ChatFields.CHAT_ID, derived)))
                    .map(found -> chat.userId().equals(found.getString(ChatFields.USER_ID))
                            && chat.clientRequestId().equals(found.getString(ChatFields.CLIENT_REQUEST_ID))
                            ? new Planned(resumed(found, chat), derived)
                            // Another chat owns the derived id (a hash collision): this start is new after all.
                            : new Planned(null, ChatIds.random()))
                    .defaultIfEmpty(new Planned(null, derived));
        }));
    }

    /**
     * Creates the chat with the id {@link #plan} chose. A concurrent retry that created it first makes this one
     * {@link StartOutcome#RESUMED}; an id taken by another chat meanwhile is a 409 to retry.
     */
    public Mono<StartedChat> create(AppId appId, NewChat chat, String chatId) {
        return sessions(appId).flatMap(sessions -> insert(sessions, chat, chatId)
                .onErrorResume(Duplicates::isDuplicate, duplicate -> chat.clientRequestId() == null
                        ? Mono.error(ApiException.conflict("start_conflict", "The chat could not be created; retry the start."))
                        : sessions.findOne(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.USER_ID, chat.userId()),
                                        eq(ChatFields.CLIENT_REQUEST_ID, chat.clientRequestId())))
                                .map(existing -> resumed(existing, chat))
                                .switchIfEmpty(Mono.error(() -> ApiException.conflict("start_conflict",
                                        "The chat could not be created; retry the start.")))));
    }

    /** The chat, for its owner, as {@link StartOutcome#RESUMED}; 404 for anyone else. */
    public Mono<StartedChat> resume(AppId appId, String userId, String chatId) {
        return get(appId, userId, chatId).map(found -> new StartedChat(found, StartOutcome.RESUMED));
    }

    /** One chat's metadata, for its owner; 404 for other users, other apps and unknown ids. */
    public Mono<ChatSession> get(AppId appId, String userId, String chatId) {
        if (userId == null || chatId == null) {
            return Mono.error(() -> ApiException.notFound("The chat"));
        }
        return sessions(appId)
                .flatMap(sessions -> sessions.findOne(and(eq(ChatFields.CHAT_ID, chatId), eq(ChatFields.USER_ID, userId))))
                .map(ChatSession::from)
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The chat")));
    }

    /** The user's chats, most recently active first, keyset-paged (see {@link RecentChats}). */
    public Mono<Page<ChatSession>> listRecent(AppId appId, String userId, PageRequest page) {
        return Mono.defer(() -> {
            RecentChatsCursor after = page.after() == null ? null : RecentChatsCursor.parse(page.after());
            return sessions(appId).flatMap(sessions -> recent.page(sessions, userId, page.limit(), after));
        });
    }

    private Mono<StartedChat> createForRequest(AppCollection sessions, AppId appId, NewChat chat) {
        String chatId = ChatIds.forRequest(appId, chat.userId(), chat.clientRequestId());
        return insert(sessions, chat, chatId)
                .onErrorResume(Duplicates::isDuplicate, duplicate -> sessions.findOne(and(eq(ChatFields.CHAT_ID, chatId),
                                eq(ChatFields.USER_ID, chat.userId()), eq(ChatFields.CLIENT_REQUEST_ID, chat.clientRequestId())))
                        .map(existing -> resumed(existing, chat))
                        // Another chat owns the derived id (a hash collision): this start is new after all.
                        .switchIfEmpty(Mono.defer(() -> create(sessions, chat, ChatIds.random(), ID_ATTEMPTS))));
    }

    private Mono<StartedChat> create(AppCollection sessions, NewChat chat, String chatId, int attemptsLeft) {
        return insert(sessions, chat, chatId)
                .onErrorResume(error -> Duplicates.isDuplicate(error) && attemptsLeft > 1,
                        duplicate -> create(sessions, chat, ChatIds.random(), attemptsLeft - 1));
    }

    private Mono<StartedChat> insert(AppCollection sessions, NewChat chat, String chatId) {
        Date now = Date.from(clock.instant().truncatedTo(ChronoUnit.MILLIS));
        Document document = new Document("_id", chatId)
                .append(ChatFields.CHAT_ID, chatId)
                .append(ChatFields.USER_ID, chat.userId())
                .append(ChatFields.WORKFLOW_NAME, chat.workflowName())
                .append(ChatFields.STATUS, chat.initialStatus().wire())
                .append(ChatFields.CREATED_AT, now)
                .append(ChatFields.UPDATED_AT, now);
        ChatStore.atStart(document);
        if (chat.initialStatus() == ChatStatus.QUEUED) {
            document.append(ChatFields.QUEUED_AT, now);
        }
        if (chat.clientRequestId() != null) {
            document.append(ChatFields.CLIENT_REQUEST_ID, chat.clientRequestId());
        }
        if (chat.workflowRef() != null) {
            document.append(ChatFields.WORKFLOW_REF, chat.workflowRef());
        }
        if (chat.journey() != null) {
            document.append(ChatFields.JOURNEY, chat.journey().toDocument());
        }
        if (chat.child() != null) {
            document.append(ChatFields.PARENT_CHAT_ID, chat.child().parentChatId()).append(ChatFields.SPAWN, chat.child().spawn());
            if (chat.child().seedMessage() != null) {
                document.append(ChatFields.SEED_MESSAGE, chat.child().seedMessage());
            }
        }
        return sessions.insertOne(document)
                .then(Mono.fromSupplier(() -> new StartedChat(
                        ChatSession.from(new Document(document).append(ScopedField.APP_ID, sessions.appId().value())),
                        StartOutcome.CREATED)));
    }

    private static StartedChat resumed(Document existing, NewChat chat) {
        if (!chat.workflowName().equals(existing.getString(ChatFields.WORKFLOW_NAME))) {
            throw new ApiException(Problem.of(422, "client_request_id_reused", "Client request id reused",
                    "This client_request_id started a chat of another workflow; use a new one."));
        }
        return new StartedChat(ChatSession.from(existing), StartOutcome.RESUMED);
    }

    private Mono<AppCollection> sessions(AppId appId) {
        return databases.forApp(appId).map(database -> database.collection(RuntimeCollection.CHAT_SESSIONS));
    }
}
