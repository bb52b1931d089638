package ai.mozaiks.devhost.functions;

import ai.mozaiks.devhost.http.RouteTemplate;
import ai.mozaiks.devhost.timer.NcrontabSchedule;
import java.lang.reflect.Method;
import java.util.Set;

/** A function as its annotations declare it, with app-setting references already resolved. */
public sealed interface FunctionDescriptor {
    String name();

    Class<?> type();

    Method method();

    record Http(String name, Class<?> type, Method method, RouteTemplate route, Set<String> methods, String authLevel)
            implements FunctionDescriptor {
    }

    record Queue(String name, Class<?> type, Method method, String queueName, String connectionSetting)
            implements FunctionDescriptor {
    }

    record Timer(String name, Class<?> type, Method method, NcrontabSchedule schedule)
            implements FunctionDescriptor {
    }
}
