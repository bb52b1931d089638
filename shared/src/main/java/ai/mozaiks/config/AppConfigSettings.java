package ai.mozaiks.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What apps' {@code config} context variables may read besides the app's own settings.
 *
 * @param secretKey             the key that encrypts apps' secret settings at rest ({@code APP_SETTINGS_KEY})
 * @param platformWorkflowValues the values of {@link #PLATFORM_WORKFLOW_VALUES} that are set: readable by the
 *                              platform's own workflows only, never by an app's pack
 */
public record AppConfigSettings(byte[] secretKey, Map<String, String> platformWorkflowValues) {
    /** The only deployment settings a platform workflow's {@code config} variable may name (its {@code env_var}). */
    public static final List<String> PLATFORM_WORKFLOW_VALUES = List.of("MOZAIKS_RESEARCH_DEPTH");
    private static final int MAX_PLATFORM_VALUE = 1024;

    public AppConfigSettings {
        platformWorkflowValues = Map.copyOf(platformWorkflowValues);
    }

    static AppConfigSettings read(SettingsReader reader) {
        byte[] key = reader.key("APP_SETTINGS_KEY");
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : PLATFORM_WORKFLOW_VALUES) {
            String value = reader.string(name, null, text -> text.length() <= MAX_PLATFORM_VALUE,
                    "at most " + MAX_PLATFORM_VALUE + " characters");
            if (value != null) {
                values.put(name, value);
            }
        }
        return new AppConfigSettings(key, values);
    }

    @Override
    public String toString() {
        return "AppConfigSettings[platformWorkflowValues=" + platformWorkflowValues.keySet() + "]";
    }
}
