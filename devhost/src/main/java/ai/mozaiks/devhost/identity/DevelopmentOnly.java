package ai.mozaiks.devhost.identity;

import java.util.List;
import java.util.Map;

/**
 * The development identity provider mints a token for anyone who asks, so it must never run where
 * real users are: not in Azure, and not outside {@code MOZAIKS_ENVIRONMENT=development}.
 */
final class DevelopmentOnly {
    /** Set by App Service / Functions, Container Apps, and the managed-identity endpoints of Azure hosts. */
    static final List<String> AZURE_MARKERS = List.of(
            "WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME", "CONTAINER_APP_NAME", "IDENTITY_ENDPOINT", "MSI_ENDPOINT");

    private DevelopmentOnly() {
    }

    static void check(Map<String, String> environment) {
        for (String marker : AZURE_MARKERS) {
            if (environment.containsKey(marker)) {
                throw new IllegalStateException("the development identity provider refuses to start: " + marker
                        + " is set, so this looks like Azure, and it would mint tokens for anyone there."
                        + " Unset " + marker + " to run the devhost on a development machine.");
            }
        }
        String mode = environment.get("MOZAIKS_ENVIRONMENT");
        if (mode == null || !mode.strip().equalsIgnoreCase("development")) {
            throw new IllegalStateException("the development identity provider refuses to start: it runs only with"
                    + " MOZAIKS_ENVIRONMENT=development, and MOZAIKS_ENVIRONMENT is " + (mode == null ? "unset" : "\"" + mode + "\"") + ".");
        }
    }
}
