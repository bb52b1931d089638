package ai.mozaiks.functions;

import ai.mozaiks.config.Settings;
import ai.mozaiks.platform.Platform;
import com.microsoft.azure.functions.spi.inject.FunctionInstanceInjector;
import java.util.function.Supplier;

/**
 * Registered with the Java worker (META-INF/services) so function classes are built from one
 * process-wide {@link Platform} instead of afresh per invocation.
 */
public final class PlatformFunctionInjector implements FunctionInstanceInjector {
    private static Platform processPlatform;

    private final Supplier<Platform> platform;

    /** Used by the Java worker: the platform is built from the app settings on first use. */
    public PlatformFunctionInjector() {
        this(PlatformFunctionInjector::processPlatform);
    }

    /** Used by hosts that build the platform themselves, such as the devhost. */
    public PlatformFunctionInjector(Platform platform) {
        this(() -> platform);
    }

    private PlatformFunctionInjector(Supplier<Platform> platform) {
        this.platform = platform;
    }

    @Override
    public <T> T getInstance(Class<T> functionClass) throws Exception {
        return FunctionFactory.create(functionClass, platform.get());
    }

    private static synchronized Platform processPlatform() {
        if (processPlatform == null) {
            processPlatform = Platform.start(Settings.fromEnvironment());
        }
        return processPlatform;
    }
}
