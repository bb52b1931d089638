package ai.mozaiks.devhost.functions;

import ai.mozaiks.devhost.http.HttpHost;
import ai.mozaiks.devhost.queue.QueueListener;
import ai.mozaiks.devhost.timer.TimerScheduler;
import com.microsoft.azure.functions.spi.inject.FunctionInstanceInjector;
import com.sun.net.httpserver.HttpServer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hosts a set of function classes the way the Functions host does: HTTP routes, queue listeners,
 * timers and the admin endpoint, all read from the classes' annotations and host.json.
 */
public final class FunctionHost implements AutoCloseable {
    private final FunctionCatalog catalog;
    private final HttpHost http;
    private final List<QueueListener> listeners;
    private final TimerScheduler timers;
    private final ExecutorService workers;

    private FunctionHost(FunctionCatalog catalog, HttpHost http, List<QueueListener> listeners, TimerScheduler timers,
                         ExecutorService workers) {
        this.catalog = catalog;
        this.http = http;
        this.listeners = listeners;
        this.timers = timers;
        this.workers = workers;
    }

    /**
     * Starts hosting. {@code server} is already bound (see {@link HttpHost#bind}); {@code settings}
     * resolve {@code %NAME%} references and name the storage connections of queue triggers.
     */
    public static FunctionHost start(HttpServer server, Collection<Class<?>> classes, FunctionInstanceInjector injector,
                                     Map<String, String> settings, HostJson hostJson) {
        return start(server, classes, injector, settings, hostJson, Map.of());
    }

    /** As above, with the devhost's own endpoints by path prefix (see {@link HttpHost#start}). */
    public static FunctionHost start(HttpServer server, Collection<Class<?>> classes, FunctionInstanceInjector injector,
                                     Map<String, String> settings, HostJson hostJson,
                                     Map<String, com.sun.net.httpserver.HttpHandler> hostRoutes) {
        FunctionCatalog catalog = FunctionCatalog.scan(classes, settings);
        FunctionInvoker invoker = new FunctionInvoker(injector);
        ExecutorService workers = Executors.newCachedThreadPool(daemonThreads("invocation"));
        TimerScheduler timers = new TimerScheduler(invoker, workers, Clock.systemUTC());
        List<QueueListener> listeners = new ArrayList<>();
        for (FunctionDescriptor.Queue function : catalog.ofKind(FunctionDescriptor.Queue.class)) {
            String connection = settings.get(function.connectionSetting());
            if (connection == null || connection.isBlank()) {
                throw new IllegalStateException("function " + function.name() + ": storage connection setting "
                        + function.connectionSetting() + " is not set");
            }
            listeners.add(QueueListener.create(function, connection, hostJson.queues(), invoker, workers));
        }
        listeners.forEach(QueueListener::start);
        timers.start(catalog.ofKind(FunctionDescriptor.Timer.class));
        HttpHost http = HttpHost.start(server, hostJson.routePrefix(), catalog, invoker,
                new AdminTriggers(catalog, timers, invoker, workers), hostRoutes, workers);
        return new FunctionHost(catalog, http, listeners, timers, workers);
    }

    /** Runs the timer function {@code name} once after {@code delay}, off schedule; false when there is none. */
    public boolean fireTimer(String name, java.time.Duration delay) {
        return catalog.ofKind(FunctionDescriptor.Timer.class).stream().filter(timer -> timer.name().equals(name)).findFirst()
                .map(timer -> {
                    timers.fireAfter(timer, delay);
                    return true;
                }).orElse(false);
    }

    public FunctionCatalog catalog() {
        return catalog;
    }

    public int port() {
        return http.port();
    }

    @Override
    public void close() throws InterruptedException {
        http.close();
        for (QueueListener listener : listeners) {
            listener.close();
        }
        timers.close();
        workers.shutdownNow();
    }

    static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
