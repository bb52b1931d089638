package ai.mozaiks.config;

import java.net.URI;

/**
 * Which model the engine talks to: {@code offline} (deterministic, no account: the local
 * default), {@code openai} (any OpenAI-compatible endpoint, including local servers, or Azure
 * OpenAI's REST path with a key) or {@code azure-openai} (the Azure SDK, with a key or the
 * managed identity).
 */
public record ModelSettings(Provider provider, String model, URI endpoint, String apiKey, String apiStyle, String apiVersion) {

    public enum Provider { OFFLINE, OPENAI, AZURE_OPENAI }

    static ModelSettings read(SettingsReader reader) {
        String providerName = reader.required("MODEL_PROVIDER", "offline, openai or azure-openai");
        Provider provider = Provider.OFFLINE;
        if (providerName != null) {
            try {
                provider = Provider.valueOf(providerName.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                reader.problem("MODEL_PROVIDER: \"" + providerName + "\" is not one of offline, openai, azure-openai");
            }
        }
        String model = reader.string("MODEL_NAME", "offline", value -> value.matches("[A-Za-z0-9._:/-]{1,128}"),
                "a model or deployment name");
        URI endpoint = null;
        String endpointText = reader.optional("MODEL_ENDPOINT");
        if (provider != Provider.OFFLINE) {
            if (endpointText == null) {
                reader.problem("MODEL_ENDPOINT: missing; expected the model service's base URL for MODEL_PROVIDER " + providerName);
            } else {
                try {
                    endpoint = URI.create(endpointText);
                    if (endpoint.getHost() == null) {
                        throw new IllegalArgumentException();
                    }
                } catch (IllegalArgumentException e) {
                    reader.problem("MODEL_ENDPOINT: \"" + endpointText + "\" is not an http(s) URL");
                }
            }
        }
        String style = reader.string("MODEL_API_STYLE", "openai", value -> value.equals("openai") || value.equals("azure"),
                "openai or azure");
        return new ModelSettings(provider, model, endpoint, reader.optional("MODEL_API_KEY"), style,
                reader.optional("MODEL_API_VERSION"));
    }

    @Override
    public String toString() {
        return "ModelSettings[provider=" + provider + ", model=" + model + ", endpoint=" + endpoint
                + ", apiKey=" + (apiKey == null ? "none" : "***") + "]";
    }
}
