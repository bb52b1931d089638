package ai.mozaiks.appsettings;

import ai.mozaiks.api.Validation;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The body of {@code PUT /api/apps/{app_id}/settings/{name}}: a value and whether it may be read back. */
public record PutSetting(String kind, String value) {
    void validate(String name) {
        new Validation()
                .require(name != null && AppSettings.NAME.matcher(name).matches(), "name",
                        "must be a letter or '_', then up to 63 letters, digits or '_'")
                .oneOf("kind", kind, List.of(AppSettings.PLAIN, AppSettings.SECRET), true)
                .require(value != null, "value", "is required")
                .require(value == null || value.getBytes(StandardCharsets.UTF_8).length <= AppSettings.MAX_VALUE_BYTES, "value",
                        "must be at most " + AppSettings.MAX_VALUE_BYTES + " bytes")
                .check();
    }
}
