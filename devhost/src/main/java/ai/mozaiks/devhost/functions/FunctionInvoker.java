package ai.mozaiks.devhost.functions;

import ai.mozaiks.http.Json;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import com.microsoft.azure.functions.spi.inject.FunctionInstanceInjector;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Parameter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Calls a function method the way the Java worker does: the instance comes from the registered
 * {@link FunctionInstanceInjector}, the trigger value and binding data fill the parameters.
 */
public final class FunctionInvoker {
    private final FunctionInstanceInjector injector;

    public FunctionInvoker(FunctionInstanceInjector injector) {
        this.injector = injector;
    }

    /** The function's return value; its own exception, unwrapped, when it throws. */
    public Object invoke(FunctionDescriptor function, Object trigger, Map<String, ?> bindingData, ExecutionContext context)
            throws Exception {
        Parameter[] parameters = function.method().getParameters();
        Object[] arguments = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            arguments[i] = argument(parameters[i], trigger, bindingData, context);
        }
        Object instance = injector.getInstance(function.type());
        try {
            return function.method().invoke(instance, arguments);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw new IllegalStateException(cause);
        }
    }

    private static Object argument(Parameter parameter, Object trigger, Map<String, ?> bindingData, ExecutionContext context) {
        if (ExecutionContext.class.equals(parameter.getType())) {
            return context;
        }
        if (parameter.isAnnotationPresent(HttpTrigger.class)) {
            return trigger;
        }
        if (parameter.isAnnotationPresent(QueueTrigger.class) || parameter.isAnnotationPresent(TimerTrigger.class)) {
            return convert((String) trigger, parameter.getType());
        }
        BindingName binding = parameter.getAnnotation(BindingName.class);
        Object value = bindingData.get(binding.value());
        return value == null ? null : convert(value.toString(), parameter.getType());
    }

    private static Object convert(String value, Class<?> type) {
        if (type == String.class) {
            return value;
        }
        if (type == byte[].class) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
        if (type == long.class || type == Long.class) {
            return Long.parseLong(value);
        }
        if (type == int.class || type == Integer.class) {
            return Integer.parseInt(value);
        }
        try {
            return Json.mapper().readValue(value, type);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot bind " + type.getSimpleName() + " from the trigger's JSON", e);
        }
    }
}
