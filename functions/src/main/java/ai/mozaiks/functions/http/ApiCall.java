package ai.mozaiks.functions.http;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.api.PageRequest;
import ai.mozaiks.identity.RuntimeToken;
import ai.mozaiks.http.InputLimits;
import ai.mozaiks.http.Json;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.Principal;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.microsoft.azure.functions.HttpRequestMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** One API request as an endpoint sees it: the authenticated caller, the parsed body, the query. */
public final class ApiCall {
    private final HttpRequestMessage<Optional<String>> request;
    private final Principal principal;
    private final RuntimeToken grant;

    ApiCall(HttpRequestMessage<Optional<String>> request, Principal principal, RuntimeToken grant) {
        this.request = request;
        this.principal = principal;
        this.grant = grant;
    }

    /** The signed-in user (endpoints called with the user's own token). */
    public Principal principal() {
        if (principal == null) {
            throw new IllegalStateException("this endpoint is called with a runtime token");
        }
        return principal;
    }

    boolean hasPrincipal() {
        return principal != null;
    }

    /** The chat grant (endpoints called with a runtime token from the session broker). */
    public RuntimeToken grant() {
        if (grant == null) {
            throw new IllegalStateException("this endpoint is called with the user's token");
        }
        return grant;
    }

    /** A request header, by name in any case (the Functions host lower-cases them). */
    public String header(String name) {
        return Api.header(request, name);
    }

    /** The body as JSON of any shape; an empty body is a missing node, malformed JSON a 400. */
    public JsonNode json() {
        String body = request.getBody().orElse("");
        if (body.isBlank()) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        return parse(body);
    }

    /** The JSON body as {@code type}; wrong JSON, wrong types and unknown fields become 400 field errors. */
    public <T> T body(Class<T> type) {
        String body = request.getBody().orElse("");
        if (body.isBlank()) {
            throw ApiException.invalid("body", "a JSON object is required");
        }
        JsonNode tree = parse(body);
        if (tree == null || !tree.isObject()) {
            throw ApiException.invalid("body", "a JSON object is required");
        }
        unknownFields(tree, type);
        try {
            return Json.mapper().treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.invalid(path(e), "is not a known field");
        } catch (JsonMappingException e) {
            throw ApiException.invalid(path(e).isEmpty() ? "body" : path(e), "has the wrong type or shape");
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("body", "has the wrong type or shape");
        }
    }

    /**
     * Parses a body within {@link InputLimits}: too large is 413, nested too deep 400, malformed 400 with the line
     * when the parser knows it (a limit it enforces has no location).
     */
    private static JsonNode parse(String body) {
        if (body.length() > InputLimits.MAX_BODY_CHARS) {
            throw new ApiException(InputLimits.tooLarge("The body exceeds " + InputLimits.MAX_BODY_CHARS + " characters."));
        }
        try {
            return Json.mapper().readTree(body);
        } catch (StreamConstraintsException e) {
            throw new ApiException(InputLimits.problem(e, "The body"));
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            throw ApiException.invalid("body", location == null || location.getLineNr() < 1 ? "is not valid JSON"
                    : "is not valid JSON (line " + location.getLineNr() + ")");
        }
    }

    /** The body as {@code type}, or {@code fallback} when the request has none. */
    public <T> T bodyOr(Class<T> type, T fallback) {
        return request.getBody().filter(body -> !body.isBlank()).isPresent() ? body(type) : fallback;
    }

    /** Every unknown top-level field at once, rather than the first one Jackson trips over. */
    private static void unknownFields(JsonNode tree, Class<?> type) {
        Set<String> known = new HashSet<>();
        Json.mapper().getDeserializationConfig().introspect(Json.mapper().constructType(type)).findProperties()
                .forEach(property -> known.add(property.getName()));
        List<Problem.FieldError> errors = new ArrayList<>();
        tree.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                errors.add(new Problem.FieldError(name, "is not a known field"));
            }
        });
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }

    public String query(String name) {
        return request.getQueryParameters().get(name);
    }

    public PageRequest page() {
        return PageRequest.parse(query("limit"), query("cursor"));
    }

    private static String path(JsonMappingException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        return path.stream()
                .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
