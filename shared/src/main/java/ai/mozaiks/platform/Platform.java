package ai.mozaiks.platform;

import ai.mozaiks.api.IdempotencyStore;
import ai.mozaiks.appsettings.AppSettings;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.broker.RuntimeTokens;
import ai.mozaiks.broker.SessionBroker;
import ai.mozaiks.config.Environment;
import ai.mozaiks.config.MongoFlavor;
import ai.mozaiks.engine.AzureStepQueue;
import ai.mozaiks.engine.ChatInputs;
import ai.mozaiks.engine.ChatWorkflows;
import ai.mozaiks.engine.ContextConfig;
import ai.mozaiks.engine.EngineSettings;
import ai.mozaiks.engine.FairShare;
import ai.mozaiks.engine.IdleChats;
import ai.mozaiks.engine.InPlaceQueue;
import ai.mozaiks.engine.RunQueue;
import ai.mozaiks.engine.StallReaper;
import ai.mozaiks.children.ChildPolicy;
import ai.mozaiks.children.ChildReconciler;
import ai.mozaiks.children.ChildRuns;
import ai.mozaiks.engine.StepExecutor;
import ai.mozaiks.engine.StepHooks;
import ai.mozaiks.engine.StepRetries;
import ai.mozaiks.engine.StepRunner;
import ai.mozaiks.engine.TokenBudgets;
import ai.mozaiks.engine.ToolRegistry;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.PriceTable;
import ai.mozaiks.models.offline.OfflineScripts;
import ai.mozaiks.tools.HttpTool;
import ai.mozaiks.tools.builtin.CurrentTime;
import ai.mozaiks.config.Settings;
import ai.mozaiks.health.HealthCheck;
import ai.mozaiks.health.HealthService;
import ai.mozaiks.health.MongoHealthCheck;
import ai.mozaiks.health.StorageHealthChecks;
import ai.mozaiks.identity.BearerTokenValidator;
import ai.mozaiks.persistence.AppDatabases;
import ai.mozaiks.persistence.AppScopeGuard;
import ai.mozaiks.persistence.CosmosRuProfile;
import ai.mozaiks.persistence.MongoConnections;
import ai.mozaiks.persistence.RuntimeSchema;
import ai.mozaiks.schema.Schema;
import ai.mozaiks.schema.SchemaHealthCheck;
import ai.mozaiks.persistence.StorageRouter;
import ai.mozaiks.storage.StorageClients;
import ai.mozaiks.journeys.Journeys;
import ai.mozaiks.journeys.PackGraph;
import ai.mozaiks.migration.Migration;
import ai.mozaiks.migration.MigrationQueue;
import ai.mozaiks.migration.MigrationRunner;
import ai.mozaiks.migration.MigrationService;
import ai.mozaiks.outbound.HostResolver;
import ai.mozaiks.outbound.OutboundClient;
import ai.mozaiks.packs.AppWorkflows;
import ai.mozaiks.packs.PackWorkflows;
import ai.mozaiks.packs.TierTurns;
import ai.mozaiks.payloads.PayloadStore;
import ai.mozaiks.realtime.ChatEvents;
import ai.mozaiks.session.ChatFeed;
import ai.mozaiks.realtime.ClientAccess;
import ai.mozaiks.realtime.UpstreamAuth;
import ai.mozaiks.realtime.WebPubSubFeed;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.packs.PackService;
import ai.mozaiks.tenancy.AppAccess;
import ai.mozaiks.tenancy.AppIssuers;
import ai.mozaiks.tenancy.AppLimits;
import ai.mozaiks.tenancy.AppPurger;
import ai.mozaiks.tenancy.AppRequests;
import ai.mozaiks.tenancy.AppService;
import ai.mozaiks.tenancy.CreateRate;
import ai.mozaiks.tenancy.RateWindows;
import ai.mozaiks.tenancy.RunSlots;
import ai.mozaiks.tenancy.StartLimits;
import ai.mozaiks.tenancy.AppUsage;
import ai.mozaiks.tenancy.CachedAppStates;
import ai.mozaiks.tenancy.Entitlements;
import ai.mozaiks.tenancy.MonthlyTokens;
import ai.mozaiks.tenancy.ControlCollections;
import ai.mozaiks.tenancy.TenantAccess;
import ai.mozaiks.tenancy.TenantService;
import ai.mozaiks.tenancy.TierGrants;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.workflows.Workflow;
import ai.mozaiks.workflows.WorkflowCatalog;
import ai.mozaiks.workflows.WorkflowLoader;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import org.bson.Document;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import reactor.core.publisher.Mono;

/**
 * The composition root: builds every client and service once per process from validated
 * settings. Function classes, the devhost and tests all get their collaborators from here.
 */
public final class Platform implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Platform.class.getName());
    /** How long the health report reuses a passing schema check: a check lists every collection's indexes. */
    private static final Duration SCHEMA_CHECK_REUSE = Duration.ofMinutes(5);
    /** A failing one is reused briefly: each costs a listing, and the endpoint is public. */
    private static final Duration SCHEMA_FAILURE_REUSE = Duration.ofSeconds(30);

    private final Settings settings;
    private final BuildInfo buildInfo;
    private final AppScopeGuard scopeGuard;
    /** The strict Cosmos RU profile when the settings switch it on, else null. */
    private final CosmosRuProfile strictProfile;
    private final MongoConnections mongo;
    private final StorageRouter storageRouter;
    private final AppDatabases appDatabases;
    private final StorageClients storage;
    private final HealthService health;
    private final ControlCollections control;
    private final AuditLog audit;
    private final IdempotencyStore idempotency;
    private final AppSettings appSettings;
    private final BearerTokenValidator tokens;
    private final TenantService tenants;
    private final TierGrants tierGrants;
    private final AppService apps;
    private final AppPurger purger;
    private final Entitlements entitlements;
    private final PackService packs;
    private final MigrationService migrations;
    private final MigrationRunner migrationRunner;
    private final MigrationQueue migrationQueue;
    private final SessionBroker broker;
    private final EventLog events;
    private final RuntimeTokens runtimeTokens;
    private final StepRunner steps;
    private final ChatInputs inputs;
    private final UpstreamAuth upstreamAuth;
    private final StallReaper stallReaper;
    private final ChildReconciler childReconciler;
    private final ChatEvents chatEvents;
    private final PayloadStore payloads;
    private final RuntimeSchema runtimeSchema;
    private final Schema schema;

    private Platform(Settings settings, Clock clock) {
        this.settings = settings;
        this.buildInfo = BuildInfo.load();
        this.scopeGuard = new AppScopeGuard();
        this.strictProfile = CosmosRuProfile.from(settings.mongo());
        this.mongo = new MongoConnections(settings.mongo(), settings.dependencyTimeout(),
                strictProfile == null ? List.of(scopeGuard) : List.of(scopeGuard, strictProfile));
        this.storageRouter = new StorageRouter(
                mongo.controlDatabase().getCollection(StorageRouter.ROUTES),
                mongo.sharedRuntimeLocation(),
                mongo::hasConnection,
                settings.mongo().routeCacheTtl(),
                clock);
        this.appDatabases = new AppDatabases(storageRouter, mongo);
        MongoDatabase controlDatabase = mongo.controlDatabase();
        this.control = new ControlCollections(controlDatabase);
        this.audit = new AuditLog(controlDatabase, clock);
        // Longer than a request may block on its services (the triggers' deadline is twice the dependency timeout).
        this.idempotency = new IdempotencyStore(controlDatabase, clock, settings.dependencyTimeout().multipliedBy(4));
        TenantAccess access = new TenantAccess(control);
        this.appSettings = new AppSettings(controlDatabase, new AppAccess(control, access),
                settings.appConfig().secretKey(), audit, clock);
        RateWindows rateWindows = new RateWindows(controlDatabase.getCollection(RateWindows.COLLECTION), clock);
        CreateRate createRate = new CreateRate(rateWindows, settings.tenancy().createsPerUserPerMinute());
        RunSlots runSlots = new RunSlots(controlDatabase.getCollection(RunSlots.COLLECTION), clock);
        this.runtimeSchema = new RuntimeSchema(mongo, storageRouter);
        // Found issuers kept as long as app states are (one lookup per burst of an app's users, not per request).
        AppIssuers appIssuers = new AppIssuers(control, settings.steps().appStateTtl(), clock);
        this.schema = new Schema(controlDatabase, settings.mongo().flavor(), runtimeSchema, storageRouter, appIssuers);
        this.storage = new StorageClients(settings.storage());
        List<HealthCheck> checks = new ArrayList<>();
        checks.add(new MongoHealthCheck(mongo.controlDatabase()));
        checks.addAll(StorageHealthChecks.of(storage.queues(), storage.blobs()));
        checks.add(new SchemaHealthCheck(schema, Set.of(controlDatabase.getName(), storageRouter.sharedLocation().databaseName()),
                SCHEMA_CHECK_REUSE, SCHEMA_FAILURE_REUSE));
        this.health = new HealthService(checks, settings.dependencyTimeout(), buildInfo.version());

        // One client for every URL a tenant can choose (HTTP tools, apps' identity providers): vetted and pinned.
        OutboundClient outbound = new OutboundClient(HostResolver.system());
        this.tokens = BearerTokenValidator.create(settings.identity(), appIssuers, clock, outbound,
                settings.environment() == Environment.DEVELOPMENT);
        Tiers tiers = Tiers.load();
        String defaultTier = settings.tenancy().defaultMaxTier();
        this.tierGrants = new TierGrants(control, tiers, defaultTier == null ? tiers.lowest() : tiers.find(defaultTier)
                .orElseThrow(() -> new IllegalStateException("DEFAULT_TENANT_MAX_TIER: no tier named " + defaultTier + " in tiers.json")),
                audit, clock);
        this.tenants = new TenantService(control, access, tierGrants, createRate, settings.tenancy().tenantsPerUser(), audit, clock);
        // The month's tokens per app, kept on this instance: the session start's budget check and the engine's share them.
        MonthlyTokens monthlyTokens = new MonthlyTokens(appDatabases, clock);
        AppUsage usage = new AppUsage(appDatabases, storageRouter, runSlots, monthlyTokens);
        CachedAppStates appStates = new CachedAppStates(control.apps(), settings.steps().appStateTtl(), clock);
        ClientAccess realtime = new ClientAccess(settings.realtime(),
                settings.realtime().connectionString() != null ? null
                        : StorageClients.managedIdentity(settings.storage().managedIdentityClientId()));
        this.apps = new AppService(control, access, tiers, usage, audit, tierGrants, createRate, settings.appPurgeGrace(),
                new AppRequests.IdpRules(settings.identity().platformIssuer(), settings.environment() == Environment.DEVELOPMENT), clock, (appId, status) -> {
                    appStates.forget(appId);
                    return AppService.ACTIVE.equals(status) ? Mono.empty() : realtime.closeApp(appId.value(), "app_" + status);
                }, appIssuers, runtimeSchema);
        WorkflowCatalog catalog = platformWorkflows(settings.workflowsDir());
        catalog.problems().forEach(problem -> LOG.warning("workflow not loaded: " + problem.describe()));
        MongoCollection<Document> packCollection = controlDatabase.getCollection(PackService.COLLECTION);
        AppWorkflows workflows = new AppWorkflows(catalog, packCollection);
        this.entitlements = new Entitlements(access, tiers, workflows, usage, clock);
        BlobContainerAsyncClient packFiles = storage.blobs().getBlobContainerAsyncClient(settings.containers().packs());
        PackGraph graph = PackGraph.load(settings.workflowsDir(),
                catalog.workflows().stream().map(Workflow::name).collect(java.util.stream.Collectors.toSet()));
        graph.problems().forEach(problem -> LOG.warning("workflow graph: " + problem));
        this.packs = new PackService(catalog, graph, workflows, new WorkflowLoader(), packCollection, packFiles,
                new AppAccess(control, access), entitlements, tiers, audit, clock, appStates::forget);
        ChatWorkflows chatWorkflows = new TierTurns(new PackWorkflows(catalog, packCollection, packFiles, new WorkflowLoader(), workflows, appStates),
                appStates, tiers);
        MongoCollection<Document> migrationRecords = controlDatabase.getCollection(Migration.COLLECTION);
        this.migrationQueue = new MigrationQueue(storage.queues().getQueueAsyncClient(settings.migrationQueue()));
        this.migrations = new MigrationService(migrationRecords, control.apps(), storageRouter, settings.mongo().connectionNames(),
                tiers, migrationQueue, audit, clock, runtimeSchema);
        this.migrationRunner = new MigrationRunner(migrationRecords, control.apps(), appDatabases, storageRouter,
                settings.mongo().routeCacheTtl(), settings.migrationSourceGrace(), clock);
        ChatSessions sessions = new ChatSessions(appDatabases, clock);
        this.events = new EventLog(appDatabases, clock);
        this.runtimeTokens = new RuntimeTokens(settings.realtime().runtimeTokenKey(), settings.realtime().runtimeTokenLifetime(), clock);
        // A step due now may start here, where its input landed; the queue keeps a delayed copy (StepRunner.InPlace).
        InPlaceQueue stepQueue = new InPlaceQueue(new AzureStepQueue(storage.queues().getQueueAsyncClient(settings.stepQueue()),
                storage.queues().getQueueAsyncClient(settings.stepQueue() + AzureStepQueue.BACKGROUND_SUFFIX)));
        ChatModel model = ChatModels.from(settings.model(),
                () -> StorageClients.managedIdentity(settings.storage().managedIdentityClientId()),
                () -> OfflineScripts.inFolders(settings.workflowsDir()));
        ToolRegistry tools = ToolRegistry.of(Map.of(CurrentTime.class.getName(), new CurrentTime(clock)),
                new HttpTool(outbound, settings.tools()));
        EngineSettings engine = new EngineSettings(settings.model().model(), settings.steps().lease(),
                settings.steps().retryAfter(), settings.steps().window(), settings.steps().instanceId(),
                ContextConfig.of(appSettings::values, settings.appConfig().platformWorkflowValues()),
                settings.steps().deltaInterval());
        ChatFeed feed = new WebPubSubFeed(realtime.service());
        // The monthly token budget comes with the cached app states: no control-plane read per model call.
        TokenBudgets budgets = appId -> appStates.limits(appId, tiers).map(AppLimits::monthlyTokenBudget).defaultIfEmpty(0L);
        this.payloads = PayloadStore.of(storage, settings.containers());
        StepExecutor executor = new StepExecutor(appDatabases, events, feed, model, tools, chatWorkflows, clock, engine,
                StepHooks.NONE, PriceTable.bundled(), budgets, monthlyTokens, payloads);
        RunQueue runQueue = new RunQueue(appDatabases, runSlots, appId -> appStates.limits(appId, tiers), stepQueue, clock);
        this.inputs = new ChatInputs(appDatabases, events, feed, chatWorkflows, clock, engine, appStates, runQueue, payloads);
        Journeys journeys = new Journeys(graph, appDatabases, sessions, events, feed, runQueue);
        ChildRuns children = new ChildRuns(appDatabases, sessions, events, feed, stepQueue, inputs, runSlots,
                new ChildPolicy(control.apps(), workflows, entitlements), clock, engine.window());
        if (settings.steps().inPlace() && settings.stepConcurrency() <= settings.stepQueueConcurrency()) {
            LOG.warning("STEP_IN_PLACE is on, but STEP_CONCURRENCY (" + settings.stepConcurrency() + ") leaves no slot beside the queue "
                    + "trigger's STEP_QUEUE_CONCURRENCY (" + settings.stepQueueConcurrency() + "): every step waits for the queue");
        }
        this.steps = new StepRunner(executor, stepQueue, inputs, journeys, children,
                new FairShare(settings.stepConcurrency(), settings.stepQueueConcurrency(), clock), appStates, runQueue,
                new StepRetries(settings.steps().retryBudget(), clock),
                // The fallback message is seen once the lease of a step lost with this instance has lapsed.
                new StepRunner.InPlace(settings.steps().inPlace(), engine.lease().plus(engine.retryAfter())));
        stepQueue.attach(steps);
        this.upstreamAuth = new UpstreamAuth(settings.realtime());
        this.stallReaper = new StallReaper(control.apps(), appDatabases, stepQueue, engine.stalledAfter(), clock, runQueue,
                new IdleChats(appDatabases, events, feed, clock), StallReaper.UPKEEP_EVERY);
        this.childReconciler = new ChildReconciler(control.apps(), children, engine.stalledAfter(), clock);
        this.chatEvents = new ChatEvents(inputs, sessions, events, appStates);
        this.broker = new SessionBroker(control.apps(), entitlements, new StartLimits(rateWindows, runSlots, usage),
                journeys, sessions, runtimeTokens, realtime, stepQueue, settings.realtime().runtimeTokenLifetime());
        this.purger = new AppPurger(control, controlDatabase.getCollection(AppPurger.COLLECTION), packCollection,
                controlDatabase.getCollection(AppSettings.COLLECTION), appDatabases, storageRouter,
                storage.blobs(), settings.containers().all(), runSlots, clock);
    }

    /** The platform's own workflows; a deployment without the folder runs with app packs only, and says so. */
    private static WorkflowCatalog platformWorkflows(Path dir) {
        if (!Files.isDirectory(dir)) {
            LOG.warning("no platform workflows: " + dir.toAbsolutePath() + " is not a directory (set WORKFLOWS_DIR)");
            return WorkflowCatalog.of(List.of());
        }
        return WorkflowCatalog.load(dir);
    }

    /**
     * Builds the platform. It declares no collection or index: that is the deploy step's ({@link #schema()}), run by
     * the devhost at start and once per deployment in Azure.
     */
    public static Platform start(Settings settings) {
        return new Platform(settings, Clock.systemUTC());
    }

    /** The deploy-time step that makes every declared collection and index, and reports drift. */
    public Schema schema() {
        return schema;
    }

    /** Makes an app's runtime collections where it lives (app creation, a migration's target). */
    public RuntimeSchema runtimeSchema() {
        return runtimeSchema;
    }

    public Settings settings() {
        return settings;
    }

    public BuildInfo buildInfo() {
        return buildInfo;
    }

    /** The shared cluster's flavor (MONGODB_FLAVOR or detected): what shapes the database accepts. */
    public MongoFlavor flavor() {
        return settings.mongo().flavor();
    }

    public AppScopeGuard scopeGuard() {
        return scopeGuard;
    }

    public java.util.Optional<CosmosRuProfile> strictProfile() {
        return java.util.Optional.ofNullable(strictProfile);
    }

    public StorageRouter storageRouter() {
        return storageRouter;
    }

    public AppDatabases appDatabases() {
        return appDatabases;
    }

    public StorageClients storage() {
        return storage;
    }

    public HealthService health() {
        return health;
    }

    public BearerTokenValidator tokens() {
        return tokens;
    }

    public IdempotencyStore idempotency() {
        return idempotency;
    }

    public AppSettings appSettings() {
        return appSettings;
    }

    public TenantService tenants() {
        return tenants;
    }

    public AppService apps() {
        return apps;
    }

    public TierGrants tierGrants() {
        return tierGrants;
    }

    public AppPurger purger() {
        return purger;
    }

    public Entitlements entitlements() {
        return entitlements;
    }

    public PackService packs() {
        return packs;
    }

    public MigrationService migrations() {
        return migrations;
    }

    public MigrationRunner migrationRunner() {
        return migrationRunner;
    }

    public MigrationQueue migrationQueue() {
        return migrationQueue;
    }

    public SessionBroker broker() {
        return broker;
    }

    /** Chats' large payloads (UI tool answers, tool results), kept whole. */
    public PayloadStore payloads() {
        return payloads;
    }

    public EventLog events() {
        return events;
    }

    public RuntimeTokens runtimeTokens() {
        return runtimeTokens;
    }

    public StepRunner steps() {
        return steps;
    }

    public ChatInputs inputs() {
        return inputs;
    }

    public StallReaper stallReaper() {
        return stallReaper;
    }

    public ChildReconciler childReconciler() {
        return childReconciler;
    }

    public UpstreamAuth upstreamAuth() {
        return upstreamAuth;
    }

    public ChatEvents chatEvents() {
        return chatEvents;
    }

    @Override
    public void close() {
        steps.close();
        mongo.close();
    }
}
