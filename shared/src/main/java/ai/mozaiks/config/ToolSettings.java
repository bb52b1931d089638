package ai.mozaiks.config;

import java.time.Duration;

/**
 * How the engine calls HTTP tools ({@code implementation: {type: http, url}} in {@code tools.yaml}).
 *
 * @param timeout              the longest one call may take, connection included
 * @param maxResponseBytes     a larger answer is refused, not truncated
 * @param allowPrivateNetworks whether tool URLs may point at loopback, link-local or private addresses.
 *                             Off in production: a published pack must not reach the platform's own network
 *                             (or the instance metadata endpoint); on for local development.
 */
public record ToolSettings(Duration timeout, int maxResponseBytes, boolean allowPrivateNetworks) {

    static ToolSettings read(SettingsReader reader) {
        return new ToolSettings(
                reader.seconds("HTTP_TOOL_TIMEOUT_SECONDS", Duration.ofSeconds(30), 1, 300),
                reader.integer("HTTP_TOOL_MAX_RESPONSE_KB", 256, 1, 1024) * 1024,
                reader.flag("HTTP_TOOLS_ALLOW_PRIVATE_NETWORKS", false));
    }
}
