package ai.mozaiks.tenancy;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.kernel.AppId;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import org.bson.Document;
import reactor.core.publisher.Flux;

/**
 * The apps whose chats may move (active: not suspended, not deleted), for the sweeps that walk every app. A suspended
 * app's chats are left as they are; once it is resumed, the next sweep picks up what stalled meanwhile.
 */
public final class LiveApps {
    private LiveApps() {
    }

    /** Their ids from the control plane's {@code apps}, in id order (a sweep cut short resumes where it was). */
    public static Flux<AppId> ids(MongoCollection<Document> apps) {
        return Flux.from(apps.find(eq("status", AppService.ACTIVE))
                        .projection(Projections.include("_id")).sort(Sorts.ascending("_id")))
                .map(app -> AppId.of(app.getString("_id")));
    }
}
