package ai.mozaiks.platform;

import ai.mozaiks.config.ModelSettings;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.azure.AzureOpenAiModel;
import ai.mozaiks.models.azure.AzureOpenAiSettings;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScripts;
import ai.mozaiks.models.openai.OpenAiCompatibleModel;
import ai.mozaiks.models.openai.OpenAiCompatibleSettings;
import com.azure.core.credential.TokenCredential;
import java.util.function.Supplier;

/** The configured model provider. */
public final class ChatModels {
    private ChatModels() {
    }

    /**
     * {@code identity} is asked for only by Azure OpenAI without a key (the app's managed identity), and
     * {@code offlineScripts} only by the offline model.
     */
    public static ChatModel from(ModelSettings settings, Supplier<TokenCredential> identity,
                                 Supplier<OfflineScripts> offlineScripts) {
        return switch (settings.provider()) {
            case OFFLINE -> new OfflineModel(offlineScripts.get()::find);
            case OPENAI -> new OpenAiCompatibleModel("azure".equals(settings.apiStyle())
                    ? OpenAiCompatibleSettings.azure(settings.endpoint(), settings.apiKey(), settings.apiVersion())
                    : OpenAiCompatibleSettings.openAi(settings.endpoint(), settings.apiKey()));
            case AZURE_OPENAI -> {
                AzureOpenAiSettings azure = settings.apiKey() != null
                        ? AzureOpenAiSettings.withKey(settings.endpoint(), settings.apiKey())
                        : AzureOpenAiSettings.withIdentity(settings.endpoint());
                if (settings.apiVersion() != null) {
                    azure = azure.withApiVersion(settings.apiVersion());
                }
                yield new AzureOpenAiModel(azure, settings.apiKey() != null ? null : identity.get());
            }
        };
    }
}
