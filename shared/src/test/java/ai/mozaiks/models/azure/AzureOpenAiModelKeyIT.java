package ai.mozaiks.models.azure;


import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ChatModelScenarios;
import ai.mozaiks.models.FakeChatServer;
import com.azure.core.http.HttpClient;
import com.azure.core.util.HttpClientOptions;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

/** The SDK provider with a resource key, against the plain-http local server (the pipeline workaround). */
class AzureOpenAiModelKeyIT extends ChatModelScenarios {

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
        assertAzureRouted(request, requestId, "2024-06-01", "azure-test-key");
    }
}
