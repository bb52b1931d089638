package ai.mozaiks.models.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OpenAiCompatibleSettingsTest {

    @Test
    void openAiStyleAppendsTheChatPathToTheVersionedBase() {
        assertEquals(URI.create("https://api.openai.com/v1/chat/completions"),
                OpenAiCompatibleSettings.openAi(URI.create("https://api.openai.com/v1/"), "k").chatCompletionsUrl("gpt-4o"));
        assertEquals(URI.create("http://127.0.0.1:11434/v1/chat/completions"),
                OpenAiCompatibleSettings.openAi(URI.create("http://127.0.0.1:11434"), null).chatCompletionsUrl("llama3.2"));
        assertEquals(URI.create("https://api.groq.com/openai/v1/chat/completions"),
                OpenAiCompatibleSettings.openAi(URI.create("https://api.groq.com/openai/v1"), "k").chatCompletionsUrl("m"));
    }

    @Test
    void azureStyleAddressesTheDeploymentWithTheApiVersion() {
        OpenAiCompatibleSettings settings = OpenAiCompatibleSettings.azure(
                URI.create("https://res.openai.azure.com/"), "key", "2024-10-21");

        assertEquals(URI.create("https://res.openai.azure.com/openai/deployments/gpt%204o/chat/completions?api-version=2024-10-21"),
                settings.chatCompletionsUrl("gpt 4o"));
    }

    @Test
    void theKeyNeverAppearsInText() {
        String text = OpenAiCompatibleSettings.azure(URI.create("https://res.openai.azure.com"), "super-secret", "2024-10-21").toString();

        assertFalse(text.contains("super-secret"), text);
        assertTrue(text.contains("***"));
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> OpenAiCompatibleSettings.openAi(URI.create("ftp://x/v1"), null));
        assertThrows(IllegalArgumentException.class, () -> OpenAiCompatibleSettings.azure(URI.create("https://x"), null, "2024-10-21"));
        assertThrows(IllegalArgumentException.class, () -> OpenAiCompatibleSettings.azure(URI.create("https://x"), "k", null));
        assertThrows(IllegalArgumentException.class, () -> OpenAiCompatibleSettings.openAi(URI.create("https://x"), null)
                .withTimeouts(Duration.ZERO, Duration.ofSeconds(1)));
    }
}
