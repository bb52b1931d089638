package ai.mozaiks.models.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ChatModelScenarios;
import ai.mozaiks.models.FakeChatServer;
import com.azure.core.http.HttpClient;
import com.azure.core.util.HttpClientOptions;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

/** The SDK provider with a resource key, against the plain-http local server (the pipeline workaround). */
class AzureOpenAiModelKeyTest extends ChatModelScenarios {

    @Override
    protected FakeChatServer startServer() throws IOException {
        return FakeChatServer.http();
    }

    @Override
    protected ChatModel model(Duration readTimeout) {
        AzureOpenAiSettings settings = new AzureOpenAiSettings(server.baseUrl(), "azure-test-key", "2024-06-01", null,
                Duration.ofSeconds(5), readTimeout);
        HttpClient transport = HttpClient.createDefault(new HttpClientOptions().setResponseTimeout(readTimeout)
                .setReadTimeout(readTimeout));
        return new AzureOpenAiModel(settings, null, transport, Clock.systemUTC());
    }

    @Override
    protected String modelName() {
        return "my-deployment";
    }

    @Override
    protected void assertRouted(FakeChatServer.Recorded request, String requestId) {
        assertEquals("/openai/deployments/my-deployment/chat/completions", request.path());
        assertEquals("api-version=2024-06-01", request.query());
        assertEquals("azure-test-key", request.header("api-key"));
        assertNull(request.header("authorization"));
        assertEquals(requestId, request.header("x-ms-client-request-id"));
        assertFalse(request.json().has("model"));
    }
}
