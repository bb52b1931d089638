package ai.mozaiks.bench;

import ai.mozaiks.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A benchmark's client of the devhost's HTTP API: tokens from the dev IdP, set-up requests, and measured ones. */
final class BenchApi {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    BenchApi(URI base) {
        this.base = base;
    }

    /** The HTTP client, also for the chats' WebSockets. */
    HttpClient http() {
        return http;
    }

    /** What a request answered. */
    record Answer(int status, String body) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }
    }

    /** A tenant the benchmark owns, entitled to the enterprise tier by a platform operator. */
    record Tenant(String owner, String id) {
    }

    Tenant enterpriseTenant() {
        String owner = mint(Map.of("sub", "bench-owner", "email", "bench-owner@example.com"));
        String tenant = send("POST", "/api/tenants", owner, Map.of("name", "bench")).json().path("id").asText();
        String admin = mint(Map.of("sub", "bench-operator", "email", "operator@example.com", "roles", List.of("platform_admin")));
        send("PUT", "/api/admin/tenants/" + tenant + "/entitlement", admin, Map.of("max_tier", "enterprise"));
        return new Tenant(owner, tenant);
    }

    /** A token from the dev IdP with these claims. */
    String mint(Map<String, Object> request) {
        return send("POST", "/dev/token", null, request).json().path("access_token").asText();
    }

    /** A set-up request, which must succeed. */
    Answer send(String method, String path, String token, Map<String, ?> body) {
        Answer answer = sendRaw(method, path, token, body == null ? null : Json.write(body));
        if (answer.status() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered " + answer.status() + ": " + answer.body());
        }
        return answer;
    }

    /** A request whatever it answers (the measured ones). */
    Answer sendRaw(String method, String path, String token, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        builder.header("Content-Type", "application/json");
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
