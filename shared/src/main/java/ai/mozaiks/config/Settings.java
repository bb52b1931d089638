package ai.mozaiks.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Every setting the platform reads, resolved once at the edge and passed by constructor.
 * {@link #from(Map)} validates all of them and fails with one message naming each problem.
 */
public record Settings(Environment environment, MongoSettings mongo, StorageAccount storage, BlobContainers containers,
                       IdentitySettings identity, RealtimeSettings realtime, ModelSettings model, String stepQueue, int stepConcurrency, int stepQueueConcurrency, Path workflowsDir, Duration appPurgeGrace, String migrationQueue,
                       Duration migrationSourceGrace, Duration dependencyTimeout, ToolSettings tools, AppConfigSettings appConfig,
                       TenancySettings tenancy, StepSettings steps) {

    public static final String STORAGE = "AzureWebJobsStorage";
    /** What the queue trigger delivers at once on an instance: host.json's queue batchSize + newBatchThreshold. */
    public static final int DEFAULT_STEP_QUEUE_CONCURRENCY = 24;
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,63}");
    private static final Pattern CONNECTION_SETTING = Pattern.compile("MONGODB_CONNECTION_STRING(_[A-Z0-9_]+)?");

    public static Settings fromEnvironment() {
        return from(System.getenv());
    }

    public static Settings from(Map<String, String> source) {
        SettingsReader reader = new SettingsReader(source);
        Environment environment = reader.choice("MOZAIKS_ENVIRONMENT", Environment.PRODUCTION, Environment.class);
        Map<String, String> connections = mongoConnections(reader);
        Map<String, MongoFlavor> flavors = mongoFlavors(reader, connections);
        MongoSettings mongo = new MongoSettings(
                connections,
                reader.string("MONGODB_CONTROL_DATABASE", "mozaiks_control", Settings::isDatabaseName, "a database name of letters, digits, _ or -"),
                reader.string("MONGODB_RUNTIME_DATABASE", "mozaiks_runtime", Settings::isDatabaseName, "a database name of letters, digits, _ or -"),
                reader.integer("MONGODB_MAX_POOL_SIZE", 20, 1, 500),
                // vCore's portal strings say maxIdleTimeMS=120000; a connection string's own value wins over either.
                reader.seconds("MONGODB_MAX_IDLE_SECONDS", Duration.ofSeconds(
                        flavors.get(MongoSettings.DEFAULT_CONNECTION) == MongoFlavor.COSMOS_VCORE ? 120 : 60), 1, 3600),
                reader.seconds("STORAGE_ROUTE_CACHE_SECONDS", Duration.ofSeconds(30), 0, 3600),
                flavors,
                strictProfile(reader));
        StorageAccount storage = storageAccount(reader);
        BlobContainers containers = new BlobContainers(
                reader.string("ARCHIVE_CONTAINER", "transcripts", Settings::isContainerName, CONTAINER_RULE),
                reader.string("PACKS_CONTAINER", "packs", Settings::isContainerName, CONTAINER_RULE),
                reader.string("PAYLOADS_CONTAINER", "payloads", Settings::isContainerName, CONTAINER_RULE));
        IdentitySettings identity = IdentitySettings.read(reader);
        RealtimeSettings realtime = RealtimeSettings.read(reader);
        ModelSettings model = ModelSettings.read(reader);
        // Room for the queues named after it: "<STEP_QUEUE>-background-poison".
        String stepQueue = reader.string("STEP_QUEUE", "chat-steps", value -> isQueueName(value) && value.length() <= 45,
                "a queue name of at most 45 characters: lower-case letters, digits or single hyphens");
        // Steps one instance runs at once, of which the queue trigger delivers batchSize + newBatchThreshold (host.json);
        // the rest are for steps started where their input landed.
        int stepConcurrency = reader.integer("STEP_CONCURRENCY", 96, 1, 256);
        // Unset, at most the instance's total: a deployment that set only a smaller STEP_CONCURRENCY keeps starting.
        int stepQueueConcurrency = reader.integer("STEP_QUEUE_CONCURRENCY", Math.min(DEFAULT_STEP_QUEUE_CONCURRENCY, stepConcurrency), 1, 256);
        if (stepQueueConcurrency > stepConcurrency) {
            reader.problem("STEP_QUEUE_CONCURRENCY: " + stepQueueConcurrency + " is over STEP_CONCURRENCY (" + stepConcurrency
                    + "); the queue trigger's steps are some of the instance's");
        }
        Path workflowsDir = workflowsDir(reader);
        Duration appPurgeGrace = Duration.ofDays(reader.integer("APP_PURGE_GRACE_DAYS", 7, 0, 90));
        String migrationQueue = reader.string("MIGRATION_QUEUE", "app-migrations", Settings::isQueueName, QUEUE_RULE);
        Duration migrationSourceGrace = Duration.ofHours(reader.integer("MIGRATION_SOURCE_GRACE_HOURS", 24, 0, 168));
        Duration dependencyTimeout = reader.seconds("DEPENDENCY_TIMEOUT_SECONDS", Duration.ofSeconds(5), 1, 120);
        ToolSettings tools = ToolSettings.read(reader);
        AppConfigSettings appConfig = AppConfigSettings.read(reader);
        TenancySettings tenancy = TenancySettings.read(reader, environment);
        StepSettings steps = StepSettings.read(reader);
        reader.validate();
        return new Settings(environment, mongo, storage, containers, identity, realtime, model, stepQueue, stepConcurrency, stepQueueConcurrency, workflowsDir, appPurgeGrace, migrationQueue,
                migrationSourceGrace, dependencyTimeout, tools, appConfig, tenancy, steps);
    }

    /** MONGODB_STRICT_PROFILE: off (the default) or cosmos-ru; see {@link MongoSettings.StrictProfile}. */
    private static MongoSettings.StrictProfile strictProfile(SettingsReader reader) {
        String profile = reader.string("MONGODB_STRICT_PROFILE", "off", value -> value.equals("off") || value.equals("cosmos-ru"),
                "off or cosmos-ru");
        boolean ttlOnCustomPath = reader.flag("MONGODB_STRICT_TTL_ON_CUSTOM_PATH", false);
        return profile.equals("cosmos-ru") ? new MongoSettings.StrictProfile(true, ttlOnCustomPath) : MongoSettings.StrictProfile.OFF;
    }

    /** The platform's workflow packs: deployed beside the function app, or WORKFLOWS_DIR. */
    private static Path workflowsDir(SettingsReader reader) {
        String configured = reader.optional("WORKFLOWS_DIR");
        if (configured != null) {
            return Path.of(configured);
        }
        String scriptRoot = reader.optional("AzureWebJobsScriptRoot");
        return scriptRoot != null ? Path.of(scriptRoot, "workflows") : Path.of("workflows");
    }

    private static final String QUEUE_RULE = "a queue name: 3-63 lower-case letters, digits or single hyphens";

    private static boolean isQueueName(String value) {
        return isContainerName(value);
    }

    private static final String CONTAINER_RULE = "a blob container name: 3-63 lower-case letters, digits or single hyphens";

    private static boolean isContainerName(String value) {
        return value.matches("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");
    }

    private static boolean isDatabaseName(String value) {
        return DATABASE_NAME.matcher(value).matches();
    }

    /** The default connection plus every {@code MONGODB_CONNECTION_STRING_<NAME>} dedicated one. */
    private static Map<String, String> mongoConnections(SettingsReader reader) {
        Map<String, String> connections = new TreeMap<>();
        reader.required(MongoSettings.DEFAULT_CONNECTION, "a mongodb:// or mongodb+srv:// connection string");
        for (String name : new TreeMap<>(reader.source()).keySet()) {
            if (!CONNECTION_SETTING.matcher(name).matches()) {
                continue;
            }
            String value = reader.optional(name);
            if (value == null) {
                continue;
            }
            try {
                ConnectionStrings.parseWithoutLookups(value);
                connections.put(name, value);
            } catch (IllegalArgumentException e) {
                // Never echo the value: it carries credentials.
                reader.problem(name + ": not a valid MongoDB connection string; expected mongodb://host[:port][/?options] or mongodb+srv://...");
            }
        }
        return connections;
    }

    /**
     * Each connection's flavor: {@code MONGODB_FLAVOR} for every one when set, else each detected from its host
     * (Cosmos DB's host names), so a deployment on Cosmos needs no extra setting.
     */
    private static Map<String, MongoFlavor> mongoFlavors(SettingsReader reader, Map<String, String> connections) {
        String configured = reader.optional(MongoFlavor.SETTING);
        MongoFlavor explicit = null;
        if (configured != null) {
            explicit = MongoFlavor.of(configured).orElse(null);
            if (explicit == null) {
                reader.problem(MongoFlavor.SETTING + ": \"" + configured + "\" is not one of " + MongoFlavor.names());
            }
        }
        Map<String, MongoFlavor> flavors = new TreeMap<>();
        for (Map.Entry<String, String> connection : connections.entrySet()) {
            flavors.put(connection.getKey(), explicit != null ? explicit
                    : MongoFlavor.detect(ConnectionStrings.parseWithoutLookups(connection.getValue())));
        }
        return flavors;
    }

    private static StorageAccount storageAccount(SettingsReader reader) {
        String connectionString = reader.optional(STORAGE);
        if (connectionString != null) {
            if (!connectionString.startsWith("UseDevelopmentStorage=") && !connectionString.contains("AccountName=")
                    && !connectionString.contains("Endpoint=")) {
                reader.problem(STORAGE + ": not a storage connection string; expected \"DefaultEndpointsProtocol=...;AccountName=...\" or \"UseDevelopmentStorage=true\"");
            }
            return StorageAccount.ofConnectionString(connectionString);
        }
        String clientId = reader.optional(STORAGE + "__clientId");
        String account = reader.optional(STORAGE + "__accountName");
        if (account != null) {
            return StorageAccount.ofIdentity("https://" + account + ".queue.core.windows.net",
                    "https://" + account + ".blob.core.windows.net", clientId);
        }
        String queues = reader.optional(STORAGE + "__queueServiceUri");
        String blobs = reader.optional(STORAGE + "__blobServiceUri");
        if (queues != null && blobs != null) {
            return StorageAccount.ofIdentity(queues, blobs, clientId);
        }
        reader.problem(STORAGE + ": missing; expected a storage connection string, or "
                + STORAGE + "__accountName (or __queueServiceUri and __blobServiceUri) for a managed identity");
        return null;
    }
}
