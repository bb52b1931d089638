package ai.mozaiks.functions.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.functions.FunctionFactory;
import ai.mozaiks.http.Problem;
import ai.mozaiks.migration.Migration;
import ai.mozaiks.tenancy.Entitlement;
import ai.mozaiks.tenancy.Role;
import ai.mozaiks.tenancy.Tiers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code openapi.yaml} true to the functions, both ways: every HTTP function of
 * {@link FunctionFactory#functionClasses()} is documented at its route with its methods and its
 * function name as operation id, and every documented operation is served by a function. Each
 * test collects every discrepancy before failing, so one run names them all.
 */
class OpenApiDocumentTest {
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    /** Served without a bearer token: to anyone, or to Azure Web PubSub (which signs its calls instead). */
    private static final Set<String> ANONYMOUS = Set.of("health", "openApi", "realtimeUpstream", "realtimeUpstreamValidate");
    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^}]+)}");
    private static final String PROBLEM_REF = "#/components/schemas/Problem";

    private static JsonNode document;
    private static List<HttpFunction> functions;

    /** One {@code @FunctionName} method with an {@code @HttpTrigger}. */
    record HttpFunction(String name, Class<?> type, HttpTrigger trigger) {
        String path() {
            return pathOf(trigger.route());
        }

        List<String> methods() {
            return Arrays.stream(trigger.methods()).map(method -> method.name().toLowerCase(Locale.ROOT)).toList();
        }
    }

    /** One documented operation. */
    record Operation(String path, String method, JsonNode pathItem, JsonNode node) {
        String id() {
            return node.path("operationId").asText(null);
        }

        @Override
        public String toString() {
            return method.toUpperCase(Locale.ROOT) + " " + path + (id() == null ? "" : " (" + id() + ")");
        }
    }

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream(OpenApiFunction.RESOURCE)) {
            assertNotNull(in, OpenApiFunction.RESOURCE + " is not on the classpath");
            document = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        functions = new ArrayList<>();
        for (Class<?> type : FunctionFactory.functionClasses()) {
            for (Method method : type.getMethods()) {
                FunctionName name = method.getAnnotation(FunctionName.class);
                if (name == null) {
                    continue;
                }
                for (Parameter parameter : method.getParameters()) {
                    HttpTrigger trigger = parameter.getAnnotation(HttpTrigger.class);
                    if (trigger != null) {
                        functions.add(new HttpFunction(name.value(), type, trigger));
                    }
                }
            }
        }
        assertFalse(functions.isEmpty(), "no HTTP functions found in FunctionFactory.functionClasses()");
    }

    @Test
    void isAnOpenApi31Document() {
        assertTrue(document.path("openapi").asText().startsWith("3.1"), "openapi: " + document.path("openapi"));
        assertFalse(document.at("/info/title").asText().isBlank(), "info.title");
        assertFalse(document.at("/info/version").asText().isBlank(), "info.version");
        assertTrue(document.path("paths").isObject(), "paths");
        assertFalse(document.path("paths").has("/admin/functions/{name}"), "the devhost's admin endpoint is not part of the deployed API");
        assertTrue(document.at("/info/description").asText().contains("/admin/functions/{name}"),
                "info.description names the devhost-only admin endpoint");
    }

    @Test
    void everyHttpFunctionIsDocumentedAtItsRouteWithItsOperationId() {
        List<String> problems = new ArrayList<>();
        for (HttpFunction function : functions) {
            assertFalse(function.methods().isEmpty(), function.name() + ": methods must be listed explicitly");
            // One function may serve several methods: each operation's id starts with the function's name.
            for (String method : function.methods()) {
                JsonNode operation = document.path("paths").path(function.path()).path(method);
                if (!operation.isObject()) {
                    problems.add(function.name() + ": " + method.toUpperCase(Locale.ROOT) + " " + function.path() + " is not documented");
                } else if (!operation.path("operationId").asText().startsWith(function.name())) {
                    problems.add(function.name() + ": " + method.toUpperCase(Locale.ROOT) + " " + function.path()
                            + " has operationId " + operation.path("operationId"));
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyDocumentedOperationIsServedByAFunction() {
        Set<String> served = new TreeSet<>();
        functions.forEach(function -> function.methods().forEach(method -> served.add(method + " " + function.path())));
        List<String> unserved = operations().stream()
                .filter(operation -> !served.contains(operation.method() + " " + operation.path()))
                .map(Operation::toString)
                .toList();
        assertEquals(List.of(), unserved, "documented, but no function serves it");
    }

    @Test
    void operationIdsAreUniqueAndPresent() {
        Map<String, List<String>> byId = new TreeMap<>();
        operations().forEach(operation -> byId.computeIfAbsent(String.valueOf(operation.id()), id -> new ArrayList<>()).add(operation.toString()));
        assertFalse(byId.containsKey("null"), "operations without operationId: " + byId.get("null"));
        assertEquals(Map.of(), byId.entrySet().stream().filter(entry -> entry.getValue().size() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "operationIds used more than once");
    }

    @Test
    void everyOperationDeclaresExactlyItsPathParameters() {
        List<String> problems = new ArrayList<>();
        for (Operation operation : operations()) {
            Set<String> expected = new TreeSet<>();
            Matcher matcher = PATH_PARAMETER.matcher(operation.path());
            while (matcher.find()) {
                expected.add(matcher.group(1));
            }
            Set<String> declared = new TreeSet<>();
            List<JsonNode> parameters = new ArrayList<>();
            operation.pathItem().path("parameters").forEach(parameters::add);
            operation.node().path("parameters").forEach(parameters::add);
            for (JsonNode reference : parameters) {
                JsonNode parameter = resolve(reference);
                if ("path".equals(parameter.path("in").asText())) {
                    declared.add(parameter.path("name").asText());
                    if (!parameter.path("required").asBoolean(false)) {
                        problems.add(operation + ": path parameter " + parameter.path("name").asText() + " must be required");
                    }
                }
            }
            if (!expected.equals(declared)) {
                problems.add(operation + ": path parameters " + declared + ", the path has " + expected);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyReferenceResolves() {
        List<String> broken = new ArrayList<>();
        walk(document, "#", (node, where) -> {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual() && pointer(ref.asText()) == null) {
                broken.add(where + ": " + ref.asText());
            }
        });
        assertEquals(List.of(), broken, "$refs that do not resolve inside the document");
    }

    @Test
    void bearerTokensAreRequiredEverywhereButHealthAndThisDocument() {
        JsonNode scheme = document.at("/components/securitySchemes/bearerAuth");
        assertEquals("http", scheme.path("type").asText());
        assertEquals("bearer", scheme.path("scheme").asText());
        assertEquals("JWT", scheme.path("bearerFormat").asText());
        JsonNode global = document.path("security");
        assertEquals(1, global.size(), "one global security requirement: " + global);
        assertTrue(global.get(0).has("bearerAuth"), "the global requirement is bearerAuth: " + global);

        List<String> problems = new ArrayList<>();
        for (Operation operation : operations()) {
            JsonNode security = operation.node().get("security");
            if (ANONYMOUS.contains(operation.id())) {
                if (security == null || !security.isArray() || !security.isEmpty()) {
                    problems.add(operation + ": must say security: []");
                }
            } else if (security != null) {
                problems.add(operation + ": must not override the global bearer requirement");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyAuthenticatedOperationAnswers401WithABearerChallenge() {
        List<String> problems = new ArrayList<>();
        for (Operation operation : operations()) {
            if (ANONYMOUS.contains(operation.id())) {
                continue;
            }
            JsonNode unauthorized = operation.node().path("responses").get("401");
            if (unauthorized == null) {
                problems.add(operation + ": no 401 response");
            } else if (!resolve(unauthorized).path("headers").has("WWW-Authenticate")) {
                problems.add(operation + ": its 401 has no WWW-Authenticate header");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void errorsOfTheApiAreProblemDocuments() {
        List<String> problems = new ArrayList<>();
        for (Operation operation : operations()) {
            if ("health".equals(operation.id())) {
                continue; // its 503 is the health report itself
            }
            operation.node().path("responses").fields().forEachRemaining(entry -> {
                if (entry.getKey().matches("[45]\\d\\d")) {
                    JsonNode content = resolve(entry.getValue()).path("content");
                    JsonNode schema = content.path(Problem.CONTENT_TYPE).path("schema");
                    if (content.size() != 1 || !PROBLEM_REF.equals(schema.path("$ref").asText())) {
                        problems.add(operation + " " + entry.getKey() + ": must be " + Problem.CONTENT_TYPE + " with the Problem schema");
                    }
                }
            });
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theProblemSchemaHasTheFieldsTheApiWrites() {
        assertEquals(componentNames(Problem.class), fieldNames(document.at("/components/schemas/Problem")));
        assertEquals(componentNames(Problem.FieldError.class), fieldNames(document.at("/components/schemas/FieldError")));
    }

    /**
     * 201/202 answers whose object has no URL to GET carry no Location: invitations and pack
     * versions, and inputs accepted into a chat (their effect shows in the chat's events).
     */
    private static final java.util.Set<String> CREATED_WITHOUT_URL = java.util.Set.of("inviteMember", "publishPack",
            "postChatMessage", "postUiResponse");

    @Test
    void creationsSayWhereTheirObjectIs() {
        List<String> problems = new ArrayList<>();
        for (Operation operation : operations()) {
            boolean expected = !CREATED_WITHOUT_URL.contains(operation.node().path("operationId").asText());
            for (String status : List.of("201", "202")) {
                JsonNode response = operation.node().path("responses").get(status);
                if (response != null && resolve(response).path("headers").has("Location") != expected) {
                    problems.add(operation + " " + status + (expected ? ": no Location header" : ": a Location that points nowhere"));
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void creatingPostsDocumentIdempotency() {
        List<String> problems = new ArrayList<>();
        for (Operation operation : operations()) {
            JsonNode created = operation.node().path("responses").get("201");
            if (!"post".equals(operation.method()) || created == null) {
                continue;
            }
            boolean keyed = false;
            for (JsonNode parameter : operation.node().path("parameters")) {
                JsonNode resolved = resolve(parameter);
                keyed |= "header".equals(resolved.path("in").asText()) && "Idempotency-Key".equals(resolved.path("name").asText());
            }
            if (!keyed) {
                problems.add(operation + ": no Idempotency-Key header parameter");
            }
            if (!resolve(created).path("headers").has("Idempotency-Replayed")) {
                problems.add(operation + ": its 201 has no Idempotency-Replayed header");
            }
            if (!operation.node().path("responses").has("422")) {
                problems.add(operation + ": no 422 idempotency_key_reused response");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void pagedListsTakeLimitAndCursorAndAnswerItemsAndNextCursor() {
        List<String> problems = new ArrayList<>();
        for (Operation operation : operations()) {
            Set<String> query = new LinkedHashSet<>();
            operation.node().path("parameters").forEach(parameter -> {
                JsonNode resolved = resolve(parameter);
                if ("query".equals(resolved.path("in").asText())) {
                    query.add(resolved.path("name").asText());
                }
            });
            JsonNode schema = resolve(operation.node().at("/responses/200/content/application~1json/schema"));
            boolean paged = schema.path("properties").has("next_cursor");
            if (paged != (query.contains("limit") && query.contains("cursor"))) {
                problems.add(operation + ": a page answer {items, next_cursor} goes with ?limit= and ?cursor=, and only with them");
            }
            if (paged && !schema.path("properties").path("items").path("type").asText().equals("array")) {
                problems.add(operation + ": a page has an items array");
            }
        }
        assertEquals(List.of(), problems);
    }

    /**
     * A POST, PUT or PATCH documents a request body exactly when its function reads one: required
     * when it calls {@code call.body(...)}, optional when it calls {@code call.bodyOr(...)}, none
     * otherwise. Read from the function's source, so a function that starts reading a body (or
     * stops) fails here until the document follows.
     */
    @Test
    void requestBodiesAreDocumentedExactlyWhereFunctionsReadThem() throws IOException {
        List<String> problems = new ArrayList<>();
        for (HttpFunction function : functions) {
            for (String method : function.methods()) {
                JsonNode operation = document.path("paths").path(function.path()).path(method);
                if (!operation.isObject()) {
                    continue; // reported by everyHttpFunctionIsDocumentedAtItsRouteWithItsOperationId
                }
                JsonNode body = operation.get("requestBody");
                String expected = switch (method) {
                    case "post", "put", "patch" -> bodyUse(function);
                    default -> "none";
                };
                String documented = body == null ? "none" : resolve(body).path("required").asBoolean(false) ? "required" : "optional";
                if (!expected.equals(documented)) {
                    problems.add(function.name() + ": the function's body is " + expected + ", the document's " + documented);
                }
                if (body != null && !resolve(body).path("content").has("application/json")) {
                    problems.add(function.name() + ": the request body is application/json");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void enumerationsFollowTheCode() {
        assertEquals(Role.wireNames(), texts(document.at("/components/schemas/Role/enum")), "roles");
        assertEquals(List.copyOf(Tiers.load().names()), texts(document.at("/components/schemas/Tier/enum")), "tiers.json");
        assertEquals(Arrays.stream(Migration.Phase.values()).map(Migration.Phase::wire).toList(),
                texts(document.at("/components/schemas/Migration/properties/phase/enum")), "migration phases");
        assertEquals(Arrays.stream(Entitlement.Reason.values()).map(Entitlement.Reason::wire).toList(),
                texts(document.at("/components/schemas/WorkflowAvailability/properties/reason/enum")), "unavailability reasons");
        assertEquals(Arrays.stream(ai.mozaiks.persistence.SchemaReport.Outcome.values())
                        .map(outcome -> outcome.name().toLowerCase(java.util.Locale.ROOT)).toList(),
                texts(document.at("/components/schemas/SchemaReportEntry/properties/outcome/enum")), "schema report outcomes");
    }

    // --- helpers -----------------------------------------------------------------------------

    /**
     * The document's path for a route: host.json's {@code routePrefix} (empty here) before it, and
     * the host's parameter syntax ({@code {id:int}}, {@code {id?}}, {@code {*rest}}) reduced to {@code {id}}.
     */
    static String pathOf(String route) {
        String prefix = routePrefix();
        String path = "/" + (prefix.isEmpty() ? "" : prefix + "/") + route;
        return path.replaceAll("\\{\\*?([A-Za-z0-9_]+)(:[^}]*)?\\??}", "{$1}");
    }

    private static String routePrefix() {
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/host.json")) {
            if (in == null) {
                return "api"; // the host's default
            }
            JsonNode prefix = new ObjectMapper().readTree(in).at("/extensions/http/routePrefix");
            return prefix.isMissingNode() ? "api" : prefix.asText().replaceAll("^/+|/+$", "");
        } catch (IOException e) {
            throw new IllegalStateException("host.json cannot be read", e);
        }
    }

    private static List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(entry -> {
            if (HTTP_METHODS.contains(entry.getKey())) {
                operations.add(new Operation(path.getKey(), entry.getKey(), path.getValue(), entry.getValue()));
            }
        }));
        return operations;
    }

    /** "required", "optional" or "none": how the function's source reads the request body. */
    private static String bodyUse(HttpFunction function) throws IOException {
        Path source = Path.of(System.getProperty("basedir", "."), "src/main/java", function.type().getName().replace('.', '/') + ".java");
        assertTrue(Files.isRegularFile(source), "no source for " + function.type().getName() + " at " + source);
        String text = Files.readString(source);
        int start = text.indexOf("@FunctionName(\"" + function.name() + "\")");
        assertTrue(start >= 0, "no @FunctionName(\"" + function.name() + "\") in " + source);
        int end = text.indexOf("@FunctionName(", start + 1);
        String method = text.substring(start, end < 0 ? text.length() : end);
        if (method.contains(".body(")) {
            return "required";
        }
        return method.contains(".bodyOr(") || method.contains(".json()") ? "optional" : "none";
    }

    /** A reference followed to what it names; anything else as it is. */
    private static JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; current != null && current.has("$ref"); hops++) {
            assertTrue(hops < 16, "reference cycle at " + node);
            String ref = current.get("$ref").asText();
            current = pointer(ref);
            assertNotNull(current, "unresolved " + ref);
        }
        return current == null ? MissingNode.getInstance() : current;
    }

    /** The node a local reference names, or null. */
    private static JsonNode pointer(String ref) {
        if (!ref.startsWith("#")) {
            return null;
        }
        JsonNode target = document.at(ref.substring(1));
        return target.isMissingNode() ? null : target;
    }

    private static void walk(JsonNode node, String where, BiConsumer<JsonNode, String> visitor) {
        if (node.isObject()) {
            visitor.accept(node, where);
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                walk(field.getValue(), where + "/" + field.getKey().replace("~", "~0").replace("/", "~1"), visitor);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), where + "/" + i, visitor);
            }
        }
    }

    private static Set<String> componentNames(Class<? extends Record> type) {
        Set<String> names = new TreeSet<>();
        for (RecordComponent component : type.getRecordComponents()) {
            names.add(component.getName());
        }
        return names;
    }

    private static Set<String> fieldNames(JsonNode schema) {
        Set<String> names = new TreeSet<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
