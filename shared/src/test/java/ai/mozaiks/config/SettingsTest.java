package ai.mozaiks.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.engine.EngineSettings;
import ai.mozaiks.engine.StepRetries;
import ai.mozaiks.tenancy.CachedAppStates;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final String MONGO = "mongodb://localhost:27017";
    private static final String AZURITE = "UseDevelopmentStorage=true";

    private static Map<String, String> minimal() {
        return TestSettings.minimal(MONGO);
    }

    private static Map<String, String> with(Map<String, String> source, String... keyValues) {
        Map<String, String> copy = new HashMap<>(source);
        for (int i = 0; i < keyValues.length; i += 2) {
            copy.put(keyValues[i], keyValues[i + 1]);
        }
        return copy;
    }

    private static SettingsException invalid(Map<String, String> source) {
        return assertThrows(SettingsException.class, () -> Settings.from(source));
    }

    @Test
    void minimalSettingsGiveTheDocumentedDefaults() {
        Settings settings = Settings.from(minimal());

        assertEquals(Environment.PRODUCTION, settings.environment());
        MongoSettings mongo = settings.mongo();
        assertEquals(Map.of("MONGODB_CONNECTION_STRING", MONGO), mongo.connections());
        assertEquals(MONGO, mongo.connectionString(MongoSettings.DEFAULT_CONNECTION));
        assertEquals("mozaiks_control", mongo.controlDatabase());
        assertEquals("mozaiks_runtime", mongo.runtimeDatabase());
        assertEquals(20, mongo.maxPoolSize());
        assertEquals(Duration.ofSeconds(60), mongo.maxIdleTime());
        assertEquals(Duration.ofSeconds(30), mongo.routeCacheTtl());
        assertEquals(Duration.ofSeconds(5), settings.dependencyTimeout());
        assertEquals(StorageAccount.ofConnectionString(AZURITE), settings.storage());
        assertTrue(settings.storage().usesConnectionString());
    }

    @Test
    void explicitValuesOverrideTheDefaults() {
        Settings settings = Settings.from(with(minimal(),
                "MOZAIKS_ENVIRONMENT", "Development",
                "MONGODB_CONTROL_DATABASE", "ctl",
                "MONGODB_RUNTIME_DATABASE", "rt",
                "MONGODB_MAX_POOL_SIZE", " 7 ",
                "MONGODB_MAX_IDLE_SECONDS", "10",
                "STORAGE_ROUTE_CACHE_SECONDS", "0",
                "DEPENDENCY_TIMEOUT_SECONDS", "2"));

        assertEquals(Environment.DEVELOPMENT, settings.environment());
        assertEquals("ctl", settings.mongo().controlDatabase());
        assertEquals("rt", settings.mongo().runtimeDatabase());
        assertEquals(7, settings.mongo().maxPoolSize());
        assertEquals(Duration.ofSeconds(10), settings.mongo().maxIdleTime());
        assertEquals(Duration.ZERO, settings.mongo().routeCacheTtl());
        assertEquals(Duration.ofSeconds(2), settings.dependencyTimeout());
    }

    @Test
    void theStrictProfileIsOffByDefault() {
        Settings defaults = Settings.from(minimal());
        assertEquals(MongoSettings.StrictProfile.OFF, defaults.mongo().strictProfile());

        Settings strict = Settings.from(with(minimal(), "MONGODB_STRICT_PROFILE", "cosmos-ru", "MONGODB_STRICT_TTL_ON_CUSTOM_PATH", "true",
                "MONGODB_CONNECTION_STRING", MONGO + "/?retryWrites=false"));
        assertEquals(new MongoSettings.StrictProfile(true, true), strict.mongo().strictProfile());

        assertEquals(List.of("MONGODB_STRICT_PROFILE: \"atlas\" is malformed; expected off or cosmos-ru"),
                invalid(with(minimal(), "MONGODB_STRICT_PROFILE", "atlas")).problems());
    }

    @Test
    void stepConcurrencyLeavesTheQueueTriggersStepsTheirsAndIsBounded() {
        Settings defaults = Settings.from(minimal());
        assertEquals(96, defaults.stepConcurrency());
        assertEquals(24, defaults.stepQueueConcurrency(), "host.json's batchSize + newBatchThreshold");
        assertEquals(64, Settings.from(with(minimal(), "STEP_CONCURRENCY", "64")).stepConcurrency());
        assertEquals(24, Settings.from(with(minimal(), "STEP_CONCURRENCY", "24", "STEP_QUEUE_CONCURRENCY", "24")).stepConcurrency(), "no slot for steps started in place, allowed");
        assertEquals(List.of("STEP_CONCURRENCY: \"0\" is malformed; expected a whole number from 1 to 256"),
                invalid(with(minimal(), "STEP_CONCURRENCY", "0")).problems());
        assertEquals(16, Settings.from(with(minimal(), "STEP_CONCURRENCY", "16")).stepQueueConcurrency(),
                "unset, the queue's share is at most the total: a smaller STEP_CONCURRENCY set alone keeps starting");
        assertEquals(List.of("STEP_QUEUE_CONCURRENCY: 24 is over STEP_CONCURRENCY (16); the queue trigger's steps are some of the instance's"),
                invalid(with(minimal(), "STEP_CONCURRENCY", "16", "STEP_QUEUE_CONCURRENCY", "24")).problems());
    }

    @Test
    void stepTuningDefaultsToWhatTheEngineIsTestedWithAndIsBounded() {
        StepSettings defaults = Settings.from(minimal()).steps();
        assertEquals(new StepSettings(Duration.ofSeconds(30), Duration.ofSeconds(5), "engine", 40, Duration.ofMillis(100),
                Duration.ofSeconds(2), Duration.ofMinutes(10), true), defaults);
        EngineSettings engine = EngineSettings.defaults("m");
        assertEquals(new StepSettings(engine.lease(), engine.retryAfter(), engine.instanceId(), engine.window(),
                engine.deltaInterval(), CachedAppStates.TTL, StepRetries.DEFAULT_BUDGET, true), defaults,
                "the tests' engine runs as a default deployment");
        assertEquals(new StepSettings(Duration.ofSeconds(300), Duration.ofSeconds(10), "fn-7.a_b", 80, Duration.ofMillis(250),
                Duration.ofSeconds(30), Duration.ofSeconds(120), false), Settings.from(with(minimal(), "STEP_LEASE_SECONDS", "300",
                "STEP_RETRY_SECONDS", "10", "STEP_INSTANCE_ID", "fn-7.a_b", "CONVERSATION_WINDOW", "80", "TEXT_DELTA_MILLIS", "250",
                "APP_STATE_CACHE_SECONDS", "30", "STEP_RETRY_BUDGET_SECONDS", "120", "STEP_IN_PLACE", "false")).steps());
        assertEquals(List.of("STEP_LEASE_SECONDS: \"5\" is malformed; expected a whole number from 30 to 3600",
                        "STEP_INSTANCE_ID: \"a b\" is malformed; expected 1-64 letters, digits, '.', '_' or '-'",
                        "CONVERSATION_WINDOW: \"1\" is malformed; expected a whole number from 2 to 1000"),
                invalid(with(minimal(), "STEP_LEASE_SECONDS", "5", "STEP_INSTANCE_ID", "a b", "CONVERSATION_WINDOW", "1")).problems());
    }

    @Test
    void creationLimitsDefaultAndAreBoundedAndADefaultTierIsForDevelopmentOnly() {
        TenancySettings defaults = Settings.from(minimal()).tenancy();
        assertEquals(new TenancySettings(5, 10, null), defaults);
        assertEquals(new TenancySettings(3, 20, "enterprise"), Settings.from(with(minimal(), "TENANTS_PER_USER", "3",
                "CREATES_PER_USER_PER_MINUTE", "20", "MOZAIKS_ENVIRONMENT", "development", "DEFAULT_TENANT_MAX_TIER", "enterprise")).tenancy());
        assertEquals(List.of("TENANTS_PER_USER: \"0\" is malformed; expected a whole number from 1 to 10000"),
                invalid(with(minimal(), "TENANTS_PER_USER", "0")).problems());
        List<String> production = invalid(with(minimal(), "DEFAULT_TENANT_MAX_TIER", "enterprise")).problems();
        assertEquals(1, production.size(), production.toString());
        assertTrue(production.get(0).startsWith("DEFAULT_TENANT_MAX_TIER: only for MOZAIKS_ENVIRONMENT=development"), production.get(0));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Map<String, String> source = with(minimal(),
                "MONGODB_MAX_POOL_SIZE", "lots",
                "MOZAIKS_ENVIRONMENT", "staging");
        source.remove("MONGODB_CONNECTION_STRING");

        SettingsException error = invalid(source);

        List<String> problems = error.problems();
        assertEquals(3, problems.size(), "problems: " + problems);
        assertEquals(1, problems.stream().filter(p -> p.startsWith("MONGODB_CONNECTION_STRING: missing")).count(), problems::toString);
        assertEquals(1, problems.stream().filter(p -> p.startsWith("MONGODB_MAX_POOL_SIZE: \"lots\" is malformed")).count(), problems::toString);
        assertEquals(1, problems.stream().filter(p -> p.startsWith("MOZAIKS_ENVIRONMENT: \"staging\" is not one of [development, production]")).count(),
                problems::toString);
        for (String problem : problems) {
            assertTrue(error.getMessage().contains(problem), "the message lists " + problem);
        }
    }

    @Test
    void outOfRangeAndMalformedValuesAreEachReported() {
        SettingsException error = invalid(with(minimal(),
                "MONGODB_MAX_POOL_SIZE", "0",
                "DEPENDENCY_TIMEOUT_SECONDS", "121",
                "MONGODB_RUNTIME_DATABASE", "bad name!"));

        assertEquals(List.of(
                "MONGODB_RUNTIME_DATABASE: \"bad name!\" is malformed; expected a database name of letters, digits, _ or -",
                "MONGODB_MAX_POOL_SIZE: \"0\" is malformed; expected a whole number from 1 to 500",
                "DEPENDENCY_TIMEOUT_SECONDS: \"121\" is malformed; expected a whole number from 1 to 120"),
                error.problems());
    }

    @Test
    void blankConnectionStringCountsAsMissing() {
        SettingsException error = invalid(with(minimal(), "MONGODB_CONNECTION_STRING", "   "));

        assertEquals(List.of("MONGODB_CONNECTION_STRING: missing; expected a mongodb:// or mongodb+srv:// connection string"),
                error.problems());
    }

    @Test
    void anSrvConnectionStringIsCheckedWithoutAnyLookup() {
        // example.com hosts no such records: a lookup would fail (or, without DNS, throw); the check makes none.
        assertEquals("mongodb+srv://app:S3cret@cluster0.example.com/?retryWrites=true",
                Settings.from(with(minimal(), "MONGODB_CONNECTION_STRING", "mongodb+srv://app:S3cret@cluster0.example.com/?retryWrites=true"))
                        .mongo().connectionString("MONGODB_CONNECTION_STRING"));
        SettingsException error = invalid(with(minimal(),
                "MONGODB_CONNECTION_STRING", "mongodb+srv://app:S3cret@cluster0.example.com:27017",
                "MONGODB_CONNECTION_STRING_ACME", "mongodb+srv://a.example.com,b.example.com"));
        assertEquals(List.of(
                "MONGODB_CONNECTION_STRING: not a valid MongoDB connection string; expected mongodb://host[:port][/?options] or mongodb+srv://...",
                "MONGODB_CONNECTION_STRING_ACME: not a valid MongoDB connection string; expected mongodb://host[:port][/?options] or mongodb+srv://..."),
                error.problems());
    }

    @Test
    void aMalformedConnectionStringIsReportedWithoutItsPassword() {
        SettingsException error = invalid(with(minimal(),
                "MONGODB_CONNECTION_STRING", "mongodb://admin:s3cr3tPass@db.example.com:notaport/?authSource=admin",
                "MONGODB_CONNECTION_STRING_ACME", "mongodb://acme:An0therS3cret@acme@db.example.com"));

        assertEquals(List.of(
                "MONGODB_CONNECTION_STRING: not a valid MongoDB connection string; expected mongodb://host[:port][/?options] or mongodb+srv://...",
                "MONGODB_CONNECTION_STRING_ACME: not a valid MongoDB connection string; expected mongodb://host[:port][/?options] or mongodb+srv://..."),
                error.problems());
        for (String secret : List.of("s3cr3tPass", "An0therS3cret", "admin:", "db.example.com")) {
            assertFalse(error.getMessage().contains(secret), "message echoes " + secret + ": " + error.getMessage());
        }
        assertNull(error.getCause());
    }

    @Test
    void dedicatedConnectionsArePickedUp() {
        Settings settings = Settings.from(with(minimal(),
                "MONGODB_CONNECTION_STRING_ACME", "mongodb://acme-host:27017",
                "MONGODB_CONNECTION_STRING_EU_2", "mongodb+srv://eu.example.com",
                "MONGODB_CONNECTION_STRING_EMPTY", " ",
                "MONGODB_CONNECTION_STRING_lower", "mongodb://ignored",
                "MONGODB_CONNECTION_STRINGX", "mongodb://ignored",
                "OTHER_MONGODB_CONNECTION_STRING", "mongodb://ignored"));

        MongoSettings mongo = settings.mongo();
        assertEquals(Set.of("MONGODB_CONNECTION_STRING", "MONGODB_CONNECTION_STRING_ACME", "MONGODB_CONNECTION_STRING_EU_2"),
                mongo.connectionNames());
        assertEquals("mongodb://acme-host:27017", mongo.connectionString("MONGODB_CONNECTION_STRING_ACME"));
        assertEquals("mongodb+srv://eu.example.com", mongo.connectionString("MONGODB_CONNECTION_STRING_EU_2"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> mongo.connectionString("MONGODB_CONNECTION_STRING_NOPE"));
        assertEquals("no MongoDB connection setting named MONGODB_CONNECTION_STRING_NOPE", unknown.getMessage());
    }

    @Test
    void identityBasedStorageYieldsHttpsEndpoints() {
        Map<String, String> source = minimal();
        source.remove("AzureWebJobsStorage");
        source.put("AzureWebJobsStorage__accountName", "mozaiksprod");
        source.put("AzureWebJobsStorage__clientId", "11111111-2222-3333-4444-555555555555");

        StorageAccount storage = Settings.from(source).storage();

        assertFalse(storage.usesConnectionString());
        assertNull(storage.connectionString());
        assertEquals("https://mozaiksprod.queue.core.windows.net", storage.queueEndpoint());
        assertEquals("https://mozaiksprod.blob.core.windows.net", storage.blobEndpoint());
        assertEquals("11111111-2222-3333-4444-555555555555", storage.managedIdentityClientId());
    }

    @Test
    void identityBasedStorageMayNameServiceUris() {
        Map<String, String> source = minimal();
        source.remove("AzureWebJobsStorage");
        source.put("AzureWebJobsStorage__queueServiceUri", "https://q.example.net");
        source.put("AzureWebJobsStorage__blobServiceUri", "https://b.example.net");

        StorageAccount storage = Settings.from(source).storage();

        assertEquals(StorageAccount.ofIdentity("https://q.example.net", "https://b.example.net", null), storage);
    }

    @Test
    void missingOrMalformedStorageIsReported() {
        Map<String, String> missing = minimal();
        missing.remove("AzureWebJobsStorage");
        missing.put("AzureWebJobsStorage__queueServiceUri", "https://q.example.net");
        List<String> missingProblems = invalid(missing).problems();
        assertEquals(1, missingProblems.size());
        assertTrue(missingProblems.get(0).startsWith("AzureWebJobsStorage: missing;"), missingProblems.get(0));

        List<String> malformed = invalid(with(minimal(), "AzureWebJobsStorage", "Key=t0pS3cret")).problems();
        assertEquals(1, malformed.size());
        assertTrue(malformed.get(0).startsWith("AzureWebJobsStorage: not a storage connection string"), malformed.get(0));
        assertFalse(malformed.get(0).contains("t0pS3cret"), malformed.get(0));
    }

    @Test
    void toStringNeverRevealsConnectionStringsOrPasswords() {
        String storageKey = "c2VjcmV0S2V5MTIz";
        Settings settings = Settings.from(with(minimal(),
                "MONGODB_CONNECTION_STRING", "mongodb://admin:Sh4redPw@shared.example.com:27017/?authSource=admin",
                "MONGODB_CONNECTION_STRING_ACME", "mongodb+srv://acme:Ded1catedPw@acme.example.com",
                "AzureWebJobsStorage", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + storageKey + ";EndpointSuffix=core.windows.net"));
        StorageAccount identity = StorageAccount.ofIdentity("https://a.queue.core.windows.net", "https://a.blob.core.windows.net", "cid");

        List<String> texts = List.of(settings.toString(), settings.mongo().toString(), settings.storage().toString(), identity.toString());
        for (String text : texts) {
            for (String secret : List.of("Sh4redPw", "Ded1catedPw", storageKey, "AccountKey", "mongodb://", "mongodb+srv://",
                    "shared.example.com", "acme.example.com")) {
                assertFalse(text.contains(secret), "\"" + text + "\" contains " + secret);
            }
        }
        // Still useful: the setting names and databases are shown.
        assertTrue(settings.mongo().toString().contains("MONGODB_CONNECTION_STRING_ACME"), settings.mongo().toString());
        assertTrue(settings.toString().contains("mozaiks_runtime"), settings.toString());
        assertEquals("StorageAccount[connection string]", settings.storage().toString());
    }

    @Test
    void theAppSettingsKeyIsRequiredAndOnlyTheAllowListReachesThePlatformWorkflows() {
        Map<String, String> missing = minimal();
        missing.remove("APP_SETTINGS_KEY");
        assertEquals(List.of("APP_SETTINGS_KEY: missing; expected a base64 key of at least 32 bytes (a Key Vault reference in Azure)"),
                invalid(missing).problems());
        assertEquals(List.of("APP_SETTINGS_KEY: must be base64 of at least 32 bytes"),
                invalid(with(minimal(), "APP_SETTINGS_KEY", "c2hvcnQ=")).problems());
        assertEquals(List.of("APP_SETTINGS_KEY: must be base64 of at least 32 bytes"),
                invalid(with(minimal(), "APP_SETTINGS_KEY", "not base64!")).problems());

        Settings settings = Settings.from(with(minimal(), "MOZAIKS_RESEARCH_DEPTH", "deep", "SOME_OTHER_SETTING", "x"));
        assertEquals(32, settings.appConfig().secretKey().length);
        assertEquals(Map.of("MOZAIKS_RESEARCH_DEPTH", "deep"), settings.appConfig().platformWorkflowValues(),
                "only the allow-list, never the rest of the environment");
        assertEquals(Map.of(), Settings.from(minimal()).appConfig().platformWorkflowValues());
        assertFalse(settings.toString().contains("deep"), settings.toString());
    }
}
