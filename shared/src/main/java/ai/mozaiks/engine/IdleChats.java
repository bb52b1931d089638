package ai.mozaiks.engine;

import static ai.mozaiks.session.EventData.data;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.session.ChatFields;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import reactor.core.publisher.Flux;

/**
 * Closes chats left waiting for their user: a top-level chat {@code awaiting_input} unchanged for longer than its app's
 * {@code idle_close_hours} ends {@code cancelled} with a {@code chat.run_complete} (reason {@value #REASON}), so a user's
 * open chats stay bounded. A {@code queued} chat is not idle (it waits for the platform, not the user) and is left to run
 * in turn; a chat waiting for its children is closed with them, not here. The close is one update conditional on the chat
 * still waiting at its step and unchanged, so a message that arrives meanwhile wins; the event has one key per chat.
 */
public final class IdleChats {
    public static final String REASON = "idle_timeout";

    private final AppDatabases databases;
    private final EventRecorder recorder;
    private final Clock clock;

    public IdleChats(AppDatabases databases, EventLog events, ChatFeed feed, Clock clock) {
        this.databases = databases;
        this.recorder = new EventRecorder(events, feed);
        this.clock = clock;
    }

    /** Closes up to {@code limit} of the app's chats idle for longer than {@code idleClose}; answers the closed chats' ids. */
    public Flux<String> close(AppId appId, Duration idleClose, int limit) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instant before = now.minus(idleClose);
        return databases.forApp(appId).map(ChatStore::of).flatMapMany(chats -> chats.idleSince(before, limit)
                .concatMap(chat -> {
                    String chatId = chat.getString(ChatFields.CHAT_ID);
                    long step = ((Number) chat.get(ChatFields.STEP_SEQ)).longValue();
                    return chats.closeIdle(chatId, step, before, now)
                            .filter(closed -> closed)
                            .flatMap(closed -> recorder.record(appId, chatId, "idle_close", EventKind.RUN_COMPLETE,
                                    data("status", ChatStatus.CANCELLED.wire(), "reason", REASON)).thenReturn(chatId));
                }));
    }
}
