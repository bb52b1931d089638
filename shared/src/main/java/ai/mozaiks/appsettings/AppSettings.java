package ai.mozaiks.appsettings;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.in;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.tenancy.AppAccess;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.Role;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.time.Clock;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Binary;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An app's own named settings, in the control database ({@code app_settings}, one document per app and name): what
 * its workflows' {@code config} context variables read. A {@code plain} value can be read back by the app's admins;
 * a {@code secret} one never leaves the platform through any API — it is sealed with {@link SecretCipher} at rest and
 * opened only when a chat starts and its workflow names it. Changed by the app's admins (tenant role admin or above),
 * audited without the value.
 */
public final class AppSettings {
    public static final String COLLECTION = "app_settings";
    public static final String PLAIN = "plain";
    public static final String SECRET = "secret";
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    static final int MAX_VALUE_BYTES = 8 * 1024;
    static final int MAX_PER_APP = 100;

    private final MongoCollection<Document> settings;
    private final AppAccess apps;
    private final SecretCipher cipher;
    private final AuditLog audit;
    private final Clock clock;

    public AppSettings(MongoDatabase control, AppAccess apps, byte[] secretKey, AuditLog audit, Clock clock) {
        this.settings = control.getCollection(COLLECTION);
        this.apps = apps;
        this.cipher = new SecretCipher(secretKey);
        this.audit = audit;
        this.clock = clock;
    }

    /** An app's settings by name: the exact key of the collection's {@code app_names} index, as Cosmos RU sorts only on one. */
    private static final org.bson.conversions.Bson BY_NAME = Sorts.ascending("app_id", "name");

    /** The app's settings by name: plain values shown, secret ones never. */
    public Mono<Map<String, Object>> list(Principal actor, String appId) {
        return apps.authorized(actor, appId, Role.ADMIN)
                .flatMap(app -> Flux.from(settings.find(eq("app_id", appId)).sort(BY_NAME).limit(MAX_PER_APP))
                        .map(AppSettings::view).collectList())
                .map(items -> Map.of("items", items));
    }

    /** Sets one value (created or replaced); at most {@value #MAX_PER_APP} per app. */
    public Mono<Map<String, Object>> put(Principal actor, String appId, String name, PutSetting request) {
        request.validate(name);
        return apps.authorizedLive(actor, appId, Role.ADMIN).flatMap(app -> Mono.from(settings.find(eq("_id", id(appId, name))).first())
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(before -> {
                    Mono<Long> room = before.isPresent() ? Mono.just(0L) : Mono.from(settings.countDocuments(eq("app_id", appId)));
                    return room.flatMap(count -> {
                        if (count >= MAX_PER_APP) {
                            return Mono.error(ApiException.conflict("too_many_settings",
                                    "An app may hold at most " + MAX_PER_APP + " settings; delete one first."));
                        }
                        Document after = document(appId, name, request, before.map(doc -> doc.get("version", Number.class).longValue() + 1).orElse(1L));
                        return Mono.from(settings.replaceOne(eq("_id", after.getString("_id")), after, new ReplaceOptions().upsert(true)))
                                .then(audit.record(AuditLog.Actor.of(actor), "app_setting.put", app.getString("tenant_id"), appId,
                                        "app_setting", name, before.map(AppSettings::audited).orElse(null), audited(after)))
                                .thenReturn(view(after));
                    });
                }));
    }

    /** Removes one value; 404 when the app has none by that name. */
    public Mono<Void> delete(Principal actor, String appId, String name) {
        return apps.authorizedLive(actor, appId, Role.ADMIN).flatMap(app -> Mono.from(settings.findOneAndDelete(eq("_id", id(appId, name))))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The setting")))
                .flatMap(removed -> audit.record(AuditLog.Actor.of(actor), "app_setting.delete", app.getString("tenant_id"), appId,
                        "app_setting", name, audited(removed), null)));
    }

    /**
     * The app's values for {@code names}, secrets opened: what its chats' {@code config} variables read. One read;
     * none when no name could be a setting's. A secret that does not open is an {@link UnreadableSecretException}.
     */
    public Mono<Map<String, String>> values(AppId appId, Set<String> names) {
        Set<String> wanted = names.stream().filter(name -> NAME.matcher(name).matches()).collect(Collectors.toSet());
        if (wanted.isEmpty()) {
            return Mono.just(Map.of());
        }
        // A manifest naming more settings than an app can hold gets the app's (at most MAX_PER_APP) all, not a huge $in.
        Bson filter = wanted.size() <= MAX_PER_APP ? and(eq("app_id", appId.value()), in("name", wanted)) : eq("app_id", appId.value());
        return Flux.from(settings.find(filter).limit(MAX_PER_APP))
                .filter(doc -> wanted.contains(doc.getString("name")))
                .collectMap(doc -> doc.getString("name"), doc -> SECRET.equals(doc.getString("kind"))
                        ? cipher.open(appId.value(), doc.getString("name"), doc.get("sealed", Binary.class).getData())
                        : doc.getString("value"));
    }

    private Document document(String appId, String name, PutSetting request, long version) {
        Document document = new Document("_id", id(appId, name)).append("app_id", appId).append("name", name)
                .append("kind", request.kind());
        if (SECRET.equals(request.kind())) {
            document.append("sealed", new Binary(cipher.seal(appId, name, request.value())));
        } else {
            document.append("value", request.value());
        }
        return document.append("version", version).append("updated_at", Date.from(clock.instant()));
    }

    private static String id(String appId, String name) {
        return appId + ":" + name;
    }

    /** What the API shows: never a secret's value. */
    private static Map<String, Object> view(Document setting) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", setting.getString("name"));
        view.put("kind", setting.getString("kind"));
        if (PLAIN.equals(setting.getString("kind"))) {
            view.put("value", setting.getString("value"));
        }
        view.put("version", setting.get("version", Number.class).longValue());
        view.put("updated_at", setting.getDate("updated_at").toInstant().toString());
        return view;
    }

    /** What the audit log keeps: no value of either kind. */
    private static Document audited(Document setting) {
        return new Document("name", setting.getString("name")).append("kind", setting.getString("kind"))
                .append("version", setting.get("version", Number.class).longValue());
    }
}
