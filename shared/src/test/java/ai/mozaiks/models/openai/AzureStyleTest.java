package ai.mozaiks.models.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ChatModelScenarios;
import ai.mozaiks.models.FakeChatServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

/** The REST provider in Azure style: deployment path, {@code api-version} query, {@code api-key} header. */
class AzureStyleTest extends ChatModelScenarios {

    @Override
    protected FakeChatServer startServer() throws IOException {
        return FakeChatServer.http();
    }

    @Override
    protected ChatModel model(Duration readTimeout) {
        OpenAiCompatibleSettings settings = OpenAiCompatibleSettings.azure(server.baseUrl(), "azure-rest-key", "2024-10-21")
                .withTimeouts(Duration.ofSeconds(5), readTimeout);
        return new OpenAiCompatibleModel(settings, HttpClient.newHttpClient(), Clock.systemUTC());
    }

    @Override
    protected String modelName() {
        return "my-deployment";
    }

    @Override
    protected void assertRouted(FakeChatServer.Recorded request, String requestId) {
        assertEquals("/openai/deployments/my-deployment/chat/completions", request.path());
        assertEquals("api-version=2024-10-21", request.query());
        assertEquals("azure-rest-key", request.header("api-key"));
        assertNull(request.header("authorization"));
        assertEquals(requestId, request.header("x-ms-client-request-id"));
        assertFalse(request.json().has("model"));
    }
}
