package ai.mozaiks.appsettings;

import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.tenancy.AppAccess;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.ControlCollections;
import ai.mozaiks.tenancy.TenantAccess;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.Document;
import org.bson.types.Binary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The app-settings store on the real driver against embedded MongoDB: who may do what, and what is stored. */
class AppSettingsIT {
    private static final byte[] KEY = "a-platform-key-of-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8);
    private static final String APP = "app_settings_a";
    private static final String OTHER_APP = "app_settings_b";
    private static final String SECRET = "sk-live-7f3a9c0e5d2b";

    private EmbeddedMongoFixture fixture;
    private MongoDatabase control;
    private AppSettings store;
    private final Principal admin = user("ada");
    private final Principal builder = user("bob");
    private final Principal stranger = user("sam");

    private static Principal user(String id) {
        return new Principal(id, "https://idp.example", id + "@example.com", id, Set.of(), false, null);
    }

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        control = fixture.rawDatabase(EmbeddedMongoFixture.CONTROL_DB);
        store = storeWith(KEY);
        block(Mono.from(control.getCollection("apps").insertMany(List.of(
                new Document("_id", APP).append("tenant_id", "t1").append("status", "active"),
                new Document("_id", OTHER_APP).append("tenant_id", "t1").append("status", "active")))));
        block(Mono.from(control.getCollection("memberships").insertMany(List.of(
                new Document("_id", "t1:ada").append("tenant_id", "t1").append("user_id", "ada").append("role", "admin"),
                new Document("_id", "t1:bob").append("tenant_id", "t1").append("user_id", "bob").append("role", "builder")))));
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private AppSettings storeWith(byte[] key) {
        ControlCollections collections = new ControlCollections(control);
        return new AppSettings(control, new AppAccess(collections, new TenantAccess(collections)), key,
                new AuditLog(control, fixture.clock()), fixture.clock());
    }

    private static <T> T block(Mono<T> mono) {
        return mono.block(EmbeddedMongoFixture.TIMEOUT);
    }

    private Document stored(String app, String name) {
        return block(Mono.from(control.getCollection(AppSettings.COLLECTION).find(eq("_id", app + ":" + name)).first()));
    }

    private static ApiException refused(Runnable call) {
        return assertThrows(ApiException.class, call::run);
    }

    @Test
    void aSecretIsNeverReturnedAndIsStoredOnlySealed() {
        Map<String, Object> put = block(store.put(admin, APP, "MODEL_KEY", new PutSetting("secret", SECRET)));
        assertFalse(put.containsKey("value"), "the answer to a put: " + put);
        assertEquals("secret", put.get("kind"));
        assertEquals(1L, put.get("version"));
        block(store.put(admin, APP, "GREETING", new PutSetting("plain", "Hello from Acme")));

        List<?> items = (List<?>) block(store.list(admin, APP)).get("items");
        assertEquals(2, items.size());
        assertEquals(Map.of("name", "GREETING", "kind", "plain", "value", "Hello from Acme"),
                pick((Map<?, ?>) items.get(0), "name", "kind", "value"));
        Map<?, ?> listedSecret = (Map<?, ?>) items.get(1);
        assertEquals("MODEL_KEY", listedSecret.get("name"));
        assertFalse(listedSecret.containsKey("value"), "a listed secret: " + listedSecret);
        assertFalse(String.valueOf(items).contains(SECRET));

        Document raw = stored(APP, "MODEL_KEY");
        assertFalse(raw.toJson().contains(SECRET), "the stored document holds no plaintext: " + raw.toJson());
        byte[] sealed = raw.get("sealed", Binary.class).getData();
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains(SECRET));
        assertEquals(12 + SECRET.length() + 16, sealed.length, "nonce, ciphertext, tag");
        block(store.put(admin, APP, "MODEL_KEY", new PutSetting("secret", SECRET)));
        byte[] again = stored(APP, "MODEL_KEY").get("sealed", Binary.class).getData();
        assertFalse(Arrays.equals(Arrays.copyOf(sealed, 12), Arrays.copyOf(again, 12)), "a fresh nonce per write");
        assertEquals(2L, stored(APP, "MODEL_KEY").get("version", Number.class).longValue(), "a put replaces: version 2");

        List<Document> audit = block(Flux.from(control.getCollection(AuditLog.COLLECTION).find(eq("app_id", APP))).collectList());
        assertEquals(3, audit.size());
        assertFalse(audit.toString().contains(SECRET) || audit.toString().contains("Hello from Acme"), "the audit keeps no value: " + audit);
        assertEquals(List.of("app_setting.put"), audit.stream().map(record -> record.getString("action")).distinct().toList());

        assertEquals(Map.of("MODEL_KEY", SECRET, "GREETING", "Hello from Acme"),
                block(store.values(AppId.of(APP), Set.of("MODEL_KEY", "GREETING", "ABSENT"))), "the engine reads both, opened");
    }

    @Test
    void aSealedValueOpensOnlyUnderItsKeyForItsAppAndName() {
        block(store.put(admin, APP, "MODEL_KEY", new PutSetting("secret", SECRET)));

        UnreadableSecretException wrongKey = assertThrows(UnreadableSecretException.class, () ->
                block(storeWith("another-platform-key-of-32-bytes-or-more".getBytes(StandardCharsets.UTF_8))
                        .values(AppId.of(APP), Set.of("MODEL_KEY"))));
        assertFalse(wrongKey.getMessage().contains(SECRET));

        // Moved to another app (or name), the same bytes do not open: the app id and name are bound in.
        Document moved = new Document(stored(APP, "MODEL_KEY")).append("_id", OTHER_APP + ":MODEL_KEY").append("app_id", OTHER_APP);
        block(Mono.from(control.getCollection(AppSettings.COLLECTION).insertOne(moved)));
        assertThrows(UnreadableSecretException.class, () -> block(store.values(AppId.of(OTHER_APP), Set.of("MODEL_KEY"))));

        byte[] tampered = stored(APP, "MODEL_KEY").get("sealed", Binary.class).getData();
        tampered[20] ^= 1;
        block(Mono.from(control.getCollection(AppSettings.COLLECTION).updateOne(eq("_id", APP + ":MODEL_KEY"),
                Updates.set("sealed", new Binary(tampered)))));
        assertThrows(UnreadableSecretException.class, () -> block(store.values(AppId.of(APP), Set.of("MODEL_KEY"))));
    }

    @Test
    void onlyTheAppsAdminsMaySeeOrChangeItsSettings() {
        block(store.put(admin, APP, "GREETING", new PutSetting("plain", "hi")));

        assertEquals(403, refused(() -> block(store.list(builder, APP))).problem().status(), "a builder is a member: 403");
        assertEquals(403, refused(() -> block(store.put(builder, APP, "X", new PutSetting("plain", "x")))).problem().status());
        assertEquals(403, refused(() -> block(store.delete(builder, APP, "GREETING"))).problem().status());
        assertEquals(404, refused(() -> block(store.list(stranger, APP))).problem().status(), "a stranger learns nothing");
        assertEquals(404, refused(() -> block(store.put(stranger, APP, "X", new PutSetting("secret", "x")))).problem().status());
        assertEquals(404, refused(() -> block(store.delete(stranger, APP, "GREETING"))).problem().status());
        Principal endUser = new Principal("ada", "https://app.example", null, null, Set.of(), false, AppId.of(APP));
        assertEquals(404, refused(() -> block(store.list(endUser, APP))).problem().status(), "an app's end-user is a stranger here");
        assertEquals("hi", stored(APP, "GREETING").getString("value"), "unchanged");

        block(store.delete(admin, APP, "GREETING"));
        assertNull(stored(APP, "GREETING"));
        assertEquals(404, refused(() -> block(store.delete(admin, APP, "GREETING"))).problem().status(), "gone");
    }

    @Test
    void namesValuesAndCountAreBounded() {
        ApiException badName = refused(() -> block(store.put(admin, APP, "1BAD-NAME", new PutSetting("plain", "x"))));
        assertEquals(400, badName.problem().status());
        assertEquals("name", badName.problem().errors().get(0).field());
        assertEquals(400, refused(() -> block(store.put(admin, APP, "A".repeat(65), new PutSetting("plain", "x")))).problem().status());
        ApiException badKind = refused(() -> block(store.put(admin, APP, "OK", new PutSetting("public", "x"))));
        assertEquals("kind", badKind.problem().errors().get(0).field());
        ApiException big = refused(() -> block(store.put(admin, APP, "OK", new PutSetting("secret", "é".repeat(4097)))));
        assertEquals("value", big.problem().errors().get(0).field(), "8 KiB counted in UTF-8 bytes");
        assertEquals(400, refused(() -> block(store.put(admin, APP, "OK", new PutSetting("plain", null)))).problem().status());
        block(store.put(admin, APP, "MAX", new PutSetting("plain", "x".repeat(AppSettings.MAX_VALUE_BYTES))));

        for (int i = 1; i < AppSettings.MAX_PER_APP; i++) {
            block(store.put(admin, APP, "S" + i, new PutSetting("plain", "v")));
        }
        ApiException full = refused(() -> block(store.put(admin, APP, "ONE_MORE", new PutSetting("plain", "v"))));
        assertEquals(409, full.problem().status());
        assertEquals("too_many_settings", full.problem().code());
        assertNull(stored(APP, "ONE_MORE"));
        block(store.put(admin, APP, "S1", new PutSetting("secret", "replaced")));
        assertEquals("secret", stored(APP, "S1").getString("kind"), "replacing one at the cap is fine");
        assertTrue(block(store.values(AppId.of(APP), Set.of("not a setting name", "ONE_MORE"))).isEmpty());
        Set<String> manyNames = new java.util.HashSet<>(Set.of("S7", "MAX"));
        for (int i = 0; i < 5_000; i++) {
            manyNames.add("NAMED_" + i);
        }
        assertEquals(Set.of("S7", "MAX"), block(store.values(AppId.of(APP), manyNames)).keySet(), "a manifest naming thousands");
    }

    private static Map<String, Object> pick(Map<?, ?> map, String... keys) {
        Map<String, Object> picked = new java.util.LinkedHashMap<>();
        for (String key : keys) {
            picked.put(key, map.get(key));
        }
        return picked;
    }
}
