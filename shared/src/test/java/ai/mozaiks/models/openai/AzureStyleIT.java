package ai.mozaiks.models.openai;


import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ChatModelScenarios;
import ai.mozaiks.models.FakeChatServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

/** The REST provider in Azure style: deployment path, {@code api-version} query, {@code api-key} header. */
class AzureStyleIT extends ChatModelScenarios {

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
        assertAzureRouted(request, requestId, "2024-10-21", "azure-rest-key");
    }
}
