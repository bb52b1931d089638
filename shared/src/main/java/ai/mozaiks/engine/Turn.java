package ai.mozaiks.engine;

import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.persistence.AppDatabase;
import ai.mozaiks.persistence.RuntimeCollection;
import ai.mozaiks.session.ChatStore;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.NewEvent;
import ai.mozaiks.session.StepCommit;
import ai.mozaiks.session.StepLease;
import ai.mozaiks.workflows.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/** What one attempt of a step builds up before it commits: the conversation, the events, the chat's further changes. */
final class Turn {
    final StepMessage message;
    final StepLease lease;
    final Workflow workflow;
    /** The app's chats, which the attempt holds by {@link #lease}. */
    final ChatStore chats;
    /** Where the step's model usage is bucketed per minute. */
    final AppCollection minutes;
    /** The app's month counters ({@code usage_months}), incremented with the minute bucket. */
    final AppCollection months;
    /** Where the step's model responses are recorded before anything acts on them ({@link ReplyJournal}). */
    final AppCollection replies;
    /** The model responses an earlier attempt of this step recorded, by call ({@link ReplyJournal#SELECT}, {@link ReplyJournal#REPLY}). */
    Map<String, Document> recordedReplies = Map.of();
    final List<NewEvent> out = new ArrayList<>();
    /** Further changes of the commit (pending input taken, an interrupt consumed, the workflow pinned). */
    final StepCommit changes = new StepCommit();
    /** A child workflow's chat (it has a parent): there is no user to wait for. */
    boolean child;
    /** The chat's pending inputs as claimed. */
    List<Document> pending = List.of();
    /** The chat's event counter as last seen: the commit takes the seqs after it, if it has not moved. */
    long eventBase;
    /** Commits tried so far: input that keeps moving the counter makes the step give up and be redelivered. */
    int commits;
    ConversationState state;
    /** The conversation as the claim read it (null when the chat had none): the commit writes only what changed. */
    Document claimedConversation;

    Turn(AppDatabase database, ChatStore chats, StepMessage message, String owner, Workflow workflow, ConversationState state,
         long eventBase) {
        this.message = message;
        this.lease = new StepLease(message.chatId(), message.stepSeq(), owner);
        this.chats = chats;
        this.eventBase = eventBase;
        this.workflow = workflow;
        this.state = state;
        this.minutes = database.collection(RuntimeCollection.USAGE_MINUTES);
        this.months = database.collection(RuntimeCollection.USAGE_MONTHS);
        this.replies = database.collection(RuntimeCollection.STEP_REPLIES);
    }

    void event(EventKind kind, Map<String, Object> data) {
        out.add(new NewEvent("step:" + message.stepSeq() + ":" + out.size(), kind, data));
    }

    /** The model requests' id: the chat and step. */
    String requestId() {
        return message.chatId() + ":" + message.stepSeq();
    }
}
