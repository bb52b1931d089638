package ai.mozaiks.devhost.functions;

import ai.mozaiks.devhost.http.RouteTemplate;
import ai.mozaiks.devhost.timer.NcrontabSchedule;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the functions of an app from their own annotations, the same source the packaging plugin
 * writes function.json from, and resolves {@code %SETTING%} references as the host does. Every
 * problem is reported at start-up, naming the function.
 */
public final class FunctionCatalog {
    private static final Pattern SETTING_REFERENCE = Pattern.compile("%([^%]+)%");
    private static final String DEFAULT_STORAGE = "AzureWebJobsStorage";

    private final List<FunctionDescriptor> functions;

    private FunctionCatalog(List<FunctionDescriptor> functions) {
        this.functions = List.copyOf(functions);
    }

    public static FunctionCatalog scan(Collection<Class<?>> classes, Map<String, String> settings) {
        List<FunctionDescriptor> functions = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Class<?> type : classes) {
            for (Method method : type.getMethods()) {
                FunctionName functionName = method.getAnnotation(FunctionName.class);
                if (functionName == null) {
                    continue;
                }
                String name = functionName.value();
                if (!names.add(name.toLowerCase(Locale.ROOT))) {
                    problems.add("function " + name + ": the name is used twice");
                    continue;
                }
                try {
                    functions.add(describe(name, type, method, settings));
                } catch (IllegalArgumentException e) {
                    problems.add("function " + name + " (" + type.getSimpleName() + "." + method.getName() + "): " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The function app cannot be hosted:\n  - " + String.join("\n  - ", problems));
        }
        return new FunctionCatalog(functions);
    }

    public List<FunctionDescriptor> all() {
        return functions;
    }

    /** HTTP functions in the host's route precedence, so the first match wins. */
    public List<FunctionDescriptor.Http> http() {
        return functions.stream()
                .filter(FunctionDescriptor.Http.class::isInstance)
                .map(FunctionDescriptor.Http.class::cast)
                .sorted(Comparator.comparing(FunctionDescriptor.Http::route, RouteTemplate.PRECEDENCE))
                .toList();
    }

    public <T extends FunctionDescriptor> List<T> ofKind(Class<T> kind) {
        return functions.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    public Optional<FunctionDescriptor> byName(String name) {
        return functions.stream().filter(f -> f.name().equalsIgnoreCase(name)).findFirst();
    }

    private static FunctionDescriptor describe(String name, Class<?> type, Method method, Map<String, String> settings) {
        FunctionDescriptor trigger = null;
        for (Parameter parameter : method.getParameters()) {
            checkParameter(parameter);
            HttpTrigger http = parameter.getAnnotation(HttpTrigger.class);
            QueueTrigger queue = parameter.getAnnotation(QueueTrigger.class);
            TimerTrigger timer = parameter.getAnnotation(TimerTrigger.class);
            FunctionDescriptor found = null;
            if (http != null) {
                String route = http.route().isEmpty() ? name : resolve(http.route(), settings);
                if (route.toLowerCase(Locale.ROOT).startsWith("admin")) {
                    throw new IllegalArgumentException("route " + route + " is reserved by the host (admin/...)");
                }
                Set<String> methods = new LinkedHashSet<>();
                Arrays.stream(http.methods()).map(HttpMethod::name).forEach(methods::add);
                if (methods.isEmpty()) {
                    Arrays.stream(HttpMethod.values()).map(HttpMethod::name).forEach(methods::add);
                }
                found = new FunctionDescriptor.Http(name, type, method, RouteTemplate.parse(route), methods, http.authLevel().name());
            } else if (queue != null) {
                String connection = queue.connection().isEmpty() ? DEFAULT_STORAGE : queue.connection();
                found = new FunctionDescriptor.Queue(name, type, method, resolve(queue.queueName(), settings), connection);
            } else if (timer != null) {
                found = new FunctionDescriptor.Timer(name, type, method, NcrontabSchedule.parse(resolve(timer.schedule(), settings)));
            }
            if (found != null) {
                if (trigger != null) {
                    throw new IllegalArgumentException("more than one trigger");
                }
                trigger = found;
            }
        }
        if (trigger == null) {
            throw new IllegalArgumentException("no @HttpTrigger, @QueueTrigger or @TimerTrigger parameter");
        }
        return trigger;
    }

    /** The devhost dispatches triggers; output bindings are not used by this app, so they are refused loudly. */
    private static void checkParameter(Parameter parameter) {
        if (ExecutionContext.class.equals(parameter.getType())) {
            return;
        }
        Annotation[] annotations = parameter.getAnnotations();
        for (Annotation annotation : annotations) {
            Class<? extends Annotation> kind = annotation.annotationType();
            if (kind != HttpTrigger.class && kind != QueueTrigger.class && kind != TimerTrigger.class && kind != BindingName.class) {
                throw new IllegalArgumentException("parameter " + parameter.getName() + ": binding @" + kind.getSimpleName()
                        + " is not supported by the devhost; enqueue or write through a service instead");
            }
        }
        if (annotations.length == 0) {
            throw new IllegalArgumentException("parameter " + parameter.getName() + " has no binding annotation");
        }
    }

    /** Replaces {@code %NAME%} with the app setting, as the Functions host does for binding expressions. */
    static String resolve(String value, Map<String, String> settings) {
        Matcher matcher = SETTING_REFERENCE.matcher(value);
        StringBuilder resolved = new StringBuilder();
        while (matcher.find()) {
            String setting = settings.get(matcher.group(1));
            if (setting == null || setting.isBlank()) {
                throw new IllegalArgumentException(value + " names app setting " + matcher.group(1) + ", which is not set");
            }
            matcher.appendReplacement(resolved, Matcher.quoteReplacement(setting));
        }
        matcher.appendTail(resolved);
        return resolved.toString();
    }
}
