package ai.mozaiks.functions;

import ai.mozaiks.functions.health.HealthFunction;
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
    private static final Map<Class<?>, Function<Platform, Object>> FACTORIES = Map.of(
            HealthFunction.class, platform -> new HealthFunction(platform.health(), deadline(platform)));

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

    /** How long a trigger may block on a service: each dependency's own timeout, plus margin. */
    private static Duration deadline(Platform platform) {
        return platform.settings().dependencyTimeout().multipliedBy(2);
    }
}
