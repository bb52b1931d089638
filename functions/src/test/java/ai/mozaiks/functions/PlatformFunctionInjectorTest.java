package ai.mozaiks.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.spi.inject.FunctionInstanceInjector;
import java.lang.reflect.Method;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class PlatformFunctionInjectorTest {

    @Test
    void theWorkerFindsTheInjectorThroughServiceLoader() {
        List<FunctionInstanceInjector> injectors = ServiceLoader.load(FunctionInstanceInjector.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        assertEquals(1, injectors.size());
        assertTrue(injectors.get(0) instanceof PlatformFunctionInjector);
    }

    @Test
    void everyFunctionClassIsBuiltByTheFactoryAndHasFunctions() {
        for (Class<?> type : FunctionFactory.functionClasses()) {
            boolean hasFunction = false;
            for (Method method : type.getMethods()) {
                hasFunction |= method.isAnnotationPresent(FunctionName.class);
            }
            assertTrue(hasFunction, type + " is registered but declares no @FunctionName method");
        }
    }

    /** A class unknown to the factory is built as the worker would build it: with its no-argument constructor. */
    @Test
    void unknownClassesFallBackToTheirDefaultConstructor() throws Exception {
        assertEquals(Plain.class, FunctionFactory.create(Plain.class, null).getClass());
    }

    public static final class Plain {
        public Plain() {
        }
    }
}
