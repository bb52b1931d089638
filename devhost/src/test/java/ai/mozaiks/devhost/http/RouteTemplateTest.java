package ai.mozaiks.devhost.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteTemplateTest {

    private static Optional<Map<String, String>> match(String template, String path) {
        return RouteTemplate.parse(template).match(path);
    }

    private static String parseError(String template) {
        return assertThrows(IllegalArgumentException.class, () -> RouteTemplate.parse(template)).getMessage();
    }

    @Test
    void literalSegmentsMatchWithoutRegardToCase() {
        assertEquals(Optional.of(Map.of()), match("api/Items/all", "API/items/ALL"));
        assertEquals(Optional.empty(), match("api/items/all", "api/items/some"));
        assertEquals(Optional.empty(), match("api/items", "api/item"));
    }

    @Test
    void parametersCaptureOneSegmentEach() {
        assertEquals(Optional.of(Map.of("app", "a1", "id", "7")), match("api/apps/{app}/items/{id}", "api/apps/a1/items/7"));
        assertEquals(Optional.empty(), match("api/apps/{app}/items/{id}", "api/apps/a1/items"));
        assertEquals(Optional.empty(), match("api/apps/{app}/items/{id}", "api/apps/a1/items/7/more"));
        // An empty segment never fills a parameter.
        assertEquals(Optional.empty(), match("api/{a}/items", "api//items"));
    }

    @Test
    void parameterValuesAreDecodedKeepingPlus() {
        assertEquals(Optional.of(Map.of("name", "hello wörld")), match("echo/{name}", "echo/hello%20w%C3%B6rld"));
        assertEquals(Optional.of(Map.of("name", "a+b")), match("echo/{name}", "echo/a+b"));
        assertEquals(Optional.of(Map.of("name", "x/y")), match("echo/{name}", "echo/x%2Fy"));
    }

    @Test
    void optionalParameterMayBeAbsent() {
        RouteTemplate route = RouteTemplate.parse("api/items/{id?}");
        assertEquals(Optional.of(Map.of()), route.match("api/items"));
        assertEquals(Optional.of(Map.of("id", "9")), route.match("api/items/9"));
        assertEquals(Optional.empty(), route.match("api/items/9/10"));
        assertEquals(Optional.of(Map.of("id", "5")), match("api/items/{id:int?}", "api/items/5"));
        assertEquals(Optional.empty(), match("api/items/{id:int?}", "api/items/five"));
        assertEquals(Optional.of(Map.of()), match("api/items/{id:int?}", "api/items"));
    }

    @Test
    void catchAllTakesTheRestOfThePath() {
        RouteTemplate route = RouteTemplate.parse("api/files/{*path}");
        assertEquals(Optional.of(Map.of("path", "a/b/c.txt")), route.match("api/files/a/b/c.txt"));
        assertEquals(Optional.of(Map.of("path", "one")), route.match("api/files/one"));
        assertEquals(Optional.of(Map.of()), route.match("api/files"));
        assertEquals(Optional.empty(), route.match("api/other/a"));
        assertEquals(Optional.of(Map.of("path", "a b/c")), route.match("api/files/a%20b/c"));
    }

    @Test
    void catchAllMustBeLast() {
        String message = parseError("api/{*rest}/more");
        assertTrue(message.contains("catch-all parameter must be last"), message);
        assertTrue(message.contains("api/{*rest}/more"), message);
    }

    @Test
    void intConstraint() {
        RouteTemplate route = RouteTemplate.parse("items/{id:int}");
        assertEquals(Optional.of(Map.of("id", "42")), route.match("items/42"));
        assertEquals(Optional.of(Map.of("id", "-7")), route.match("items/-7"));
        assertEquals(Optional.of(Map.of("id", "2147483647")), route.match("items/2147483647"));
        assertEquals(Optional.empty(), route.match("items/abc"));
        assertEquals(Optional.empty(), route.match("items/4.2"));
        assertEquals(Optional.empty(), route.match("items/12a"));
    }

    @Test
    void intConstraintRejectsValuesOutsideInt32() {
        // The Functions host's int constraint is int.TryParse: 2147483648 is not an int and the route
        // does not match (404). Accepting it hands the function a value its int binding cannot hold.
        RouteTemplate route = RouteTemplate.parse("items/{id:int}");
        assertEquals(Optional.empty(), route.match("items/2147483648"));
        assertEquals(Optional.empty(), route.match("items/9999999999"));
    }

    @Test
    void guidConstraint() {
        RouteTemplate route = RouteTemplate.parse("chats/{chat:guid}");
        assertEquals(Optional.of(Map.of("chat", "0f8fad5b-d9cb-469f-a165-70867728950e")),
                route.match("chats/0f8fad5b-d9cb-469f-a165-70867728950e"));
        assertEquals(Optional.of(Map.of("chat", "0F8FAD5B-D9CB-469F-A165-70867728950E")),
                route.match("chats/0F8FAD5B-D9CB-469F-A165-70867728950E"));
        assertEquals(Optional.empty(), route.match("chats/not-a-guid"));
        assertEquals(Optional.empty(), route.match("chats/1-2-3-4-5"));
        assertEquals(Optional.empty(), route.match("chats/0f8fad5b-d9cb-469f-a165-70867728950"));
        assertEquals(Optional.empty(), route.match("chats/0f8fad5b-d9cb-469f-a165-70867728950g"));
    }

    @Test
    void alphaConstraint() {
        RouteTemplate route = RouteTemplate.parse("tags/{tag:alpha}");
        assertEquals(Optional.of(Map.of("tag", "abcXYZ")), route.match("tags/abcXYZ"));
        assertEquals(Optional.empty(), route.match("tags/abc1"));
        assertEquals(Optional.empty(), route.match("tags/a-b"));
        assertEquals(Optional.empty(), route.match("tags/%C3%A9t%C3%A9"));
    }

    @Test
    void unsupportedConstraintIsRejectedAtParse() {
        String message = parseError("api/{id:length(5)}");
        assertTrue(message.contains("constraint length(5) is not supported"), message);
        assertTrue(message.contains("int") && message.contains("guid") && message.contains("alpha"), message);
        assertTrue(parseError("api/{id:regex(^a$)}").contains("regex(^a$)"));
    }

    @Test
    void mixedLiteralAndParameterInOneSegmentIsRejected() {
        String message = parseError("api/file.{ext}");
        assertTrue(message.contains("mixed literal and parameter in segment file.{ext}"), message);
    }

    @Test
    void leadingAndTrailingSlashesAreIgnored() {
        RouteTemplate route = RouteTemplate.parse("/api/items/");
        assertEquals("api/items", route.toString());
        assertEquals(Optional.of(Map.of()), route.match("api/items/"));
        assertEquals(Optional.of(Map.of()), route.match("/api/items"));
        assertEquals(Optional.of(Map.of()), route.match("api/items"));
        assertEquals(Optional.of(Map.of("id", "3")), match("api/items/{id}", "api/items/3/"));
    }

    @Test
    void precedenceRanksLiteralThenConstraintThenParameterThenCatchAll() {
        List<String> ordered = List.of("api/{kind}/{id}", "api/items/{*rest}", "api/items/special", "api/items/{id}",
                        "api/items/{id:int}").stream()
                .map(RouteTemplate::parse)
                .sorted(RouteTemplate.PRECEDENCE)
                .map(RouteTemplate::toString)
                .toList();
        assertEquals(List.of("api/items/special", "api/items/{id:int}", "api/items/{id}", "api/items/{*rest}", "api/{kind}/{id}"),
                ordered);
    }

    @Test
    void anEarlierLiteralOutweighsEverythingAfterIt() {
        assertTrue(RouteTemplate.PRECEDENCE.compare(RouteTemplate.parse("api/items/{id}"), RouteTemplate.parse("api/{kind}/special")) < 0);
    }

    @Test
    void whereOneRouteEndsItBeatsALongerOneWithTheSamePrefix() {
        assertTrue(RouteTemplate.PRECEDENCE.compare(RouteTemplate.parse("api/precedence/literal"),
                RouteTemplate.parse("api/precedence/{kind}/{id?}")) < 0);
        assertTrue(RouteTemplate.PRECEDENCE.compare(RouteTemplate.parse("api/items"), RouteTemplate.parse("api/items/{id?}")) < 0);
    }
}
