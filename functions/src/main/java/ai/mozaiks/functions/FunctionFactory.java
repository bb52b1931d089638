package ai.mozaiks.functions;

import ai.mozaiks.functions.appsettings.AppSettingFunctions;
import ai.mozaiks.functions.docs.OpenApiFunction;
import ai.mozaiks.functions.engine.StepPoisonWorker;
import ai.mozaiks.functions.engine.StepWorker;
import ai.mozaiks.functions.health.HealthFunction;
import ai.mozaiks.functions.http.Api;
import ai.mozaiks.functions.migration.MigrationFunctions;
import ai.mozaiks.functions.migration.MigrationWorker;
import ai.mozaiks.functions.schema.SchemaFunctions;
import ai.mozaiks.functions.engine.StallReaperFunction;
import ai.mozaiks.functions.realtime.RealtimeUpstreamFunction;
import ai.mozaiks.functions.session.ChatEventFunctions;
import ai.mozaiks.functions.session.ChatInputFunctions;
import ai.mozaiks.functions.session.ChatPayloadFunctions;
import ai.mozaiks.functions.session.SessionFunctions;
import ai.mozaiks.functions.tenancy.AppFunctions;
import ai.mozaiks.functions.tenancy.AppLifecycleFunctions;
import ai.mozaiks.functions.tenancy.AppPurgeFunction;
import ai.mozaiks.functions.tenancy.MemberFunctions;
import ai.mozaiks.functions.tenancy.PackFunctions;
import ai.mozaiks.functions.tenancy.TenantEntitlementFunctions;
import ai.mozaiks.functions.tenancy.TenantFunctions;
import ai.mozaiks.platform.Platform;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Every function class of the app and how to build it from the composition root. A class the
 * factory does not know is built with its no-argument constructor, as the Java worker would.
 */
public final class FunctionFactory {
    private static final Map<Class<?>, Function<Platform, Object>> FACTORIES = Map.ofEntries(
            Map.entry(HealthFunction.class, platform -> new HealthFunction(platform.health(), deadline(platform))),
            Map.entry(OpenApiFunction.class, platform -> new OpenApiFunction()),
            Map.entry(TenantFunctions.class, platform -> new TenantFunctions(api(platform), platform.tenants())),
            Map.entry(MemberFunctions.class, platform -> new MemberFunctions(api(platform), platform.tenants())),
            Map.entry(TenantEntitlementFunctions.class, platform -> new TenantEntitlementFunctions(api(platform), platform.tierGrants())),
            Map.entry(AppFunctions.class, platform -> new AppFunctions(api(platform), platform.apps())),
            Map.entry(AppLifecycleFunctions.class, platform -> new AppLifecycleFunctions(api(platform), platform.apps())),
            Map.entry(AppPurgeFunction.class, platform -> new AppPurgeFunction(platform.purger())),
            Map.entry(PackFunctions.class, platform -> new PackFunctions(api(platform), platform.packs())),
            Map.entry(AppSettingFunctions.class, platform -> new AppSettingFunctions(api(platform), platform.appSettings())),
            Map.entry(MigrationFunctions.class, platform -> new MigrationFunctions(api(platform), platform.migrations())),
            Map.entry(SchemaFunctions.class, platform -> new SchemaFunctions(api(platform), platform.schema())),
            Map.entry(MigrationWorker.class, platform -> new MigrationWorker(platform.migrationRunner(), platform.migrationQueue())),
            Map.entry(SessionFunctions.class, platform -> new SessionFunctions(api(platform), platform.broker())),
            Map.entry(ChatEventFunctions.class, platform -> new ChatEventFunctions(api(platform), platform.events())),
            Map.entry(ChatPayloadFunctions.class, platform -> new ChatPayloadFunctions(api(platform), platform.payloads())),
            Map.entry(StepWorker.class, platform -> new StepWorker(platform.steps())),
            Map.entry(StepPoisonWorker.class, platform -> new StepPoisonWorker(platform.steps())),
            Map.entry(ChatInputFunctions.class, platform -> new ChatInputFunctions(api(platform), platform.inputs())),
            Map.entry(StallReaperFunction.class, platform -> new StallReaperFunction(platform.stallReaper(), platform.childReconciler())),
            Map.entry(RealtimeUpstreamFunction.class, platform -> new RealtimeUpstreamFunction(api(platform),
                    platform.upstreamAuth(), platform.chatEvents())));

    private FunctionFactory() {
    }

    public static Set<Class<?>> functionClasses() {
        return FACTORIES.keySet();
    }

    public static <T> T create(Class<T> type, Platform platform) throws ReflectiveOperationException {
        Function<Platform, Object> factory = FACTORIES.get(type);
        if (factory != null) {
            return type.cast(factory.apply(platform));
        }
        return type.getDeclaredConstructor().newInstance();
    }

    private static Api api(Platform platform) {
        return new Api(platform.tokens(), platform.runtimeTokens(), platform.upstreamAuth(), platform.idempotency(), deadline(platform));
    }

    /** How long a trigger may block on a service: each dependency's own timeout, plus margin. */
    private static Duration deadline(Platform platform) {
        return platform.settings().dependencyTimeout().multipliedBy(2);
    }
}
