package ai.mozaiks.session;

import ai.mozaiks.persistence.ScopedField;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lt;

import ai.mozaiks.api.Page;
import ai.mozaiks.persistence.AppCollection;
import ai.mozaiks.session.ChatFields;
import com.mongodb.client.model.Sorts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;
import reactor.core.publisher.Mono;

/**
 * Keyset paging of one user's chats, most recent activity first, in (updated_at desc, _id desc)
 * order, on the declared {@code (app_id, user_id, updated_at desc)} index alone.
 *
 * <p>That index orders by time only, and several chats can share a millisecond. So every query
 * either walks the index by time or reads one time's group (equality on all three keys), and ids
 * are only ever sorted within such a group: no query sorts a user's whole history in memory, and
 * no chat is skipped or repeated when a page boundary falls inside a group.
 */
final class RecentChats {
    private static final Comparator<Document> NEWEST_FIRST = Comparator
            .comparing((Document d) -> d.getDate(ChatFields.UPDATED_AT))
            .thenComparing(d -> d.getString("_id"))
            .reversed();

    Mono<Page<ChatSession>> page(AppCollection sessions, String userId, int limit, RecentChatsCursor after) {
        Bson mine = eq(ChatFields.USER_ID, userId);
        Mono<List<Document>> restOfGroup = after == null || after.chatId() == null ? Mono.just(List.of())
                : sessions.find(and(mine, eq(ChatFields.UPDATED_AT, new Date(after.updatedAtMillis())), lt("_id", after.chatId())),
                        Sorts.descending("_id"), limit + 1).collectList();
        return restOfGroup.flatMap(group -> {
            if (group.size() > limit) {
                return Mono.just(page(group.subList(0, limit), Next.INSIDE_GROUP));
            }
            Bson older = after == null ? mine : and(mine, lt(ChatFields.UPDATED_AT, new Date(after.updatedAtMillis())));
            int wanted = limit + 1 - group.size();
            // The full key of app_user_recent: Cosmos RU sorts only on an index's exact fields (app and user are pinned).
            return sessions.find(older, Sorts.orderBy(Sorts.ascending(ScopedField.APP_ID, ChatFields.USER_ID),
                            Sorts.descending(ChatFields.UPDATED_AT)), wanted).collectList()
                    .flatMap(found -> olderPart(sessions, mine, group, found, wanted));
        });
    }

    /** Shows {@code group} and then what fits of {@code found}; the one extra chat found tells whether a group was cut. */
    private Mono<Page<ChatSession>> olderPart(AppCollection sessions, Bson mine, List<Document> group, List<Document> found, int wanted) {
        List<Document> shown = new ArrayList<>(group);
        if (found.size() < wanted) {
            shown.addAll(sorted(found));
            return Mono.just(page(shown, Next.NONE));
        }
        List<Document> fits = found.subList(0, wanted - 1);
        Document extra = found.get(wanted - 1);
        if (fits.isEmpty() || !time(extra).equals(time(fits.get(fits.size() - 1)))) {
            shown.addAll(sorted(fits));
            return Mono.just(page(shown, Next.AFTER_GROUP));
        }
        // The page ends inside the group at the boundary time: take that group's first ids.
        Date boundary = time(extra);
        List<Document> newer = fits.stream().filter(d -> time(d).after(boundary)).toList();
        shown.addAll(sorted(newer));
        int room = wanted - 1 - newer.size();
        return sessions.find(and(mine, eq(ChatFields.UPDATED_AT, boundary)), Sorts.descending("_id"), room).collectList()
                .map(boundaryGroup -> {
                    shown.addAll(boundaryGroup);
                    return page(shown, Next.INSIDE_GROUP);
                });
    }

    /** What follows the last chat shown: nothing, older chats only, or more of its own time's group. */
    private enum Next { NONE, AFTER_GROUP, INSIDE_GROUP }

    private static Page<ChatSession> page(List<Document> shown, Next next) {
        List<ChatSession> chats = shown.stream().map(ChatSession::from).toList();
        if (next == Next.NONE) {
            return new Page<>(chats, null);
        }
        ChatSession last = chats.get(chats.size() - 1);
        // A cursor after a whole group skips the query for the rest of that group.
        String cursorId = next == Next.INSIDE_GROUP ? last.chatId() : null;
        return new Page<>(chats, new RecentChatsCursor(last.updatedAt().toEpochMilli(), cursorId).encode());
    }

    private static List<Document> sorted(List<Document> documents) {
        return documents.stream().sorted(NEWEST_FIRST).toList();
    }

    private static Date time(Document document) {
        return document.getDate(ChatFields.UPDATED_AT);
    }
}
