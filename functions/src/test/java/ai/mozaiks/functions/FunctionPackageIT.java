package ai.mozaiks.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.mozaiks.config.Settings;
import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.QueueTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads the package the azure-functions plugin staged and checks it against the annotations and
 * the platform's rules, so a wrong or missing annotation fails the build rather than the deploy.
 */
class FunctionPackageIT {
    private static Path staging;

    @BeforeAll
    static void locate() {
        staging = Path.of(System.getProperty("functions.staging", "target/azure-functions/mozaiks"));
        assertTrue(Files.isDirectory(staging), "no staged function app at " + staging + "; run `mvn package` first");
    }

    @Test
    void stagingHoldsJarLibHostJsonAndOneFunctionJsonPerFunction() throws IOException {
        assertTrue(Files.isRegularFile(staging.resolve("host.json")));
        try (Stream<Path> jars = Files.list(staging)) {
            assertEquals(1, jars.filter(p -> p.getFileName().toString().endsWith(".jar")).count(), "exactly one app jar");
        }
        Set<String> libs = fileNames(staging.resolve("lib"));
        assertTrue(libs.stream().anyMatch(n -> n.startsWith("azure-functions-java-library-")));
        assertTrue(libs.stream().anyMatch(n -> n.startsWith("mozaiks-shared-")));
        for (String forbidden : List.of("azure-functions-java-spi", "junit", "mongo-java-server", "h2-")) {
            assertFalse(libs.stream().anyMatch(n -> n.startsWith(forbidden)), forbidden + " must not be deployed");
        }
        assertEquals(declaredFunctionNames(), functionDirectories(), "function.json folders vs @FunctionName methods");
    }

    @Test
    void platformWorkflowsShipBesideTheJar() throws IOException {
        Path workflows = staging.resolve("workflows");
        assertTrue(Files.isRegularFile(workflows.resolve("assistant/orchestrator.yaml")), "workflows/ staged");
        assertEquals(ai.mozaiks.workflows.WorkflowCatalog.load(workflows).problems(), List.of(), "every staged workflow loads");
    }

    @Test
    void hostJsonConfiguresRoutesAndQueuesExplicitly() throws IOException {
        JsonNode host = Json.mapper().readTree(staging.resolve("host.json").toFile());
        assertEquals("2.0", host.path("version").asText());
        assertEquals("", host.at("/extensions/http/routePrefix").asText("missing"));
        JsonNode queues = host.at("/extensions/queues");
        assertEquals("base64", queues.path("messageEncoding").asText());
        assertEquals(5, queues.path("maxDequeueCount").asInt());
        assertTrue(timeSpan(queues.path("maxPollingInterval").asText()).compareTo(Duration.ofSeconds(2)) <= 0);
        assertTrue(queues.path("batchSize").asInt() > 0);
        assertTrue(queues.has("visibilityTimeout"));
        assertTrue(queues.has("newBatchThreshold"));
        // Fairness between apps' queued steps is reckoned on what the trigger delivers at once.
        assertEquals(Settings.DEFAULT_STEP_QUEUE_CONCURRENCY,
                queues.path("batchSize").asInt() + queues.path("newBatchThreshold").asInt());
    }

    @Test
    void everyFunctionJsonMatchesItsAnnotations() throws IOException {
        for (Class<?> type : FunctionFactory.functionClasses()) {
            for (Method method : type.getMethods()) {
                FunctionName name = method.getAnnotation(FunctionName.class);
                if (name != null) {
                    checkFunction(name.value(), type, method);
                }
            }
        }
    }

    @Test
    void healthIsAnAnonymousGetAtApiHealth() throws IOException {
        JsonNode trigger = triggerBinding(read("health"));
        assertEquals("httpTrigger", trigger.path("type").asText());
        assertEquals("api/health", trigger.path("route").asText());
        assertEquals(List.of("GET"), texts(trigger.path("methods")));
        assertEquals("ANONYMOUS", trigger.path("authLevel").asText());
    }

    private void checkFunction(String name, Class<?> type, Method method) throws IOException {
        JsonNode json = read(name);
        assertEquals(type.getName() + "." + method.getName(), json.path("entryPoint").asText(), name);
        assertTrue(json.path("scriptFile").asText().startsWith("../mozaiks-functions-"), name);
        JsonNode trigger = triggerBinding(json);
        for (Parameter parameter : method.getParameters()) {
            HttpTrigger http = parameter.getAnnotation(HttpTrigger.class);
            QueueTrigger queue = parameter.getAnnotation(QueueTrigger.class);
            TimerTrigger timer = parameter.getAnnotation(TimerTrigger.class);
            if (http != null) {
                assertEquals("httpTrigger", trigger.path("type").asText(), name);
                String route = trigger.path("route").asText();
                assertEquals(http.route(), route, name);
                assertTrue(route.matches("(api|health|metrics)/.+"), name + ": route " + route + " must be written in full");
                assertEquals(Arrays.stream(http.methods()).map(HttpMethod::name).toList(), texts(trigger.path("methods")), name);
                assertFalse(http.methods().length == 0, name + ": methods must be listed explicitly");
                assertEquals(http.authLevel().name(), trigger.path("authLevel").asText(), name);
            } else if (queue != null) {
                assertEquals("queueTrigger", trigger.path("type").asText(), name);
                // A setting, or a setting's queue with the background lane's suffix and/or the host's "-poison" suffix.
                assertTrue(queue.queueName().matches("%[A-Z0-9_]+%(-background)?(-poison)?"), name + ": queue names come from app settings");
                assertEquals(queue.queueName(), trigger.path("queueName").asText(), name);
                assertEquals("AzureWebJobsStorage", trigger.path("connection").asText(), name + ": queues live in the host's storage account");
            } else if (timer != null) {
                assertEquals("timerTrigger", trigger.path("type").asText(), name);
                assertEquals(timer.schedule(), trigger.path("schedule").asText(), name);
            }
        }
    }

    private static JsonNode read(String function) throws IOException {
        Path file = staging.resolve(function).resolve("function.json");
        if (!Files.isRegularFile(file)) {
            fail("no function.json for " + function);
        }
        return Json.mapper().readTree(file.toFile());
    }

    private static JsonNode triggerBinding(JsonNode functionJson) {
        for (JsonNode binding : functionJson.path("bindings")) {
            if (binding.path("type").asText().endsWith("Trigger")) {
                return binding;
            }
        }
        return fail("no trigger binding in " + functionJson);
    }

    private static Set<String> declaredFunctionNames() {
        Set<String> names = new HashSet<>();
        for (Class<?> type : FunctionFactory.functionClasses()) {
            for (Method method : type.getMethods()) {
                FunctionName name = method.getAnnotation(FunctionName.class);
                if (name != null) {
                    names.add(name.value());
                }
            }
        }
        return names;
    }

    private static Set<String> functionDirectories() throws IOException {
        Set<String> names = new HashSet<>();
        try (Stream<Path> entries = Files.list(staging)) {
            for (Path entry : entries.toList()) {
                if (Files.isRegularFile(entry.resolve("function.json"))) {
                    names.add(entry.getFileName().toString());
                }
            }
        }
        return names;
    }

    private static Set<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new HashSet<>(files.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }

    private static Duration timeSpan(String value) {
        return Duration.ofNanos(LocalTime.parse(value).toNanoOfDay());
    }
}
