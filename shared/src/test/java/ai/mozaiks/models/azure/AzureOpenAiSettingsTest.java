package ai.mozaiks.models.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.ai.openai.OpenAIServiceVersion;
import java.net.URI;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class AzureOpenAiSettingsTest {

    @Test
    void defaultsAreTheNewestApiVersionAndTheCognitiveServicesScope() {
        AzureOpenAiSettings settings = AzureOpenAiSettings.withIdentity(URI.create("https://res.openai.azure.com"));

        assertEquals(OpenAIServiceVersion.V2025_01_01_PREVIEW, settings.serviceVersion());
        assertEquals("https://cognitiveservices.azure.com/.default", settings.tokenScope());
    }

    @Test
    void plainHttpIsOnlyForAKeyToALoopbackServer() {
        AzureOpenAiSettings.withKey(URI.create("http://127.0.0.1:8080"), "k");
        AzureOpenAiSettings.withKey(URI.create("http://localhost:8080"), "k");
        AzureOpenAiSettings.withKey(URI.create("http://[::1]:8080"), "k");

        assertThrows(IllegalArgumentException.class, () -> AzureOpenAiSettings.withKey(URI.create("http://10.0.0.5:8080"), "k"));
        assertThrows(IllegalArgumentException.class, () -> AzureOpenAiSettings.withKey(URI.create("http://res.openai.azure.com"), "k"));
        assertThrows(IllegalArgumentException.class, () -> AzureOpenAiSettings.withIdentity(URI.create("http://127.0.0.1:8080")));
    }

    @Test
    void anApiVersionTheSdkDoesNotKnowIsRefusedListingTheKnownOnes() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AzureOpenAiSettings.withKey(URI.create("https://res.openai.azure.com"), "k").withApiVersion("2099-01-01"));

        assertTrue(error.getMessage().contains("2024-06-01"), error.getMessage());
    }

    @Test
    void theKeyNeverAppearsInText() {
        String text = AzureOpenAiSettings.withKey(URI.create("https://res.openai.azure.com"), "super-secret").toString();

        assertFalse(text.contains("super-secret"), text);
    }

    @Test
    void withoutKeyAnIdentityIsRequired() {
        AzureOpenAiSettings settings = AzureOpenAiSettings.withIdentity(URI.create("https://res.openai.azure.com"));

        assertThrows(IllegalArgumentException.class, () -> new AzureOpenAiModel(settings, null,
                com.azure.core.http.HttpClient.createDefault(), Clock.systemUTC()));
    }
}
