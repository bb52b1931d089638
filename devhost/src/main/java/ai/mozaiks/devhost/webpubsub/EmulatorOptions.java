package ai.mozaiks.devhost.webpubsub;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How the emulator runs: its loopback port (0 = any free one), its access keys (tokens signed with
 * either are accepted, the first signs what the emulator mints), each hub's event handlers, the
 * origin it presents to event handlers for abuse protection, and how long a reliable connection
 * that dropped can be recovered.
 */
public record EmulatorOptions(int port, List<String> accessKeys, Map<String, List<EventHandler>> eventHandlers,
                              String webhookOrigin, Duration recoveryWindow) {
    /** What the service promises: a dropped reliable connection is kept for at least 30 s. */
    public static final Duration DEFAULT_RECOVERY_WINDOW = Duration.ofSeconds(30);
    /** The Java SDK cannot sign with a shorter key (HS256 needs 256 bits), nor can the service. */
    private static final int MIN_KEY_BYTES = 32;

    public EmulatorOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535, not " + port);
        }
        if (accessKeys.isEmpty() || accessKeys.size() > 2) {
            throw new IllegalArgumentException("one or two access keys (primary, secondary)");
        }
        for (String key : accessKeys) {
            if (key.getBytes(StandardCharsets.UTF_8).length < MIN_KEY_BYTES) {
                throw new IllegalArgumentException("an access key needs at least " + MIN_KEY_BYTES + " bytes");
            }
        }
        accessKeys = List.copyOf(accessKeys);
        Map<String, List<EventHandler>> byHub = new HashMap<>();
        eventHandlers.forEach((hub, handlers) -> byHub.put(Names.hub(hub), List.copyOf(handlers)));
        eventHandlers = Map.copyOf(byHub);
        if (webhookOrigin == null || webhookOrigin.isBlank()) {
            throw new IllegalArgumentException("the webhook origin is a host name such as localhost");
        }
        if (recoveryWindow.isNegative() || recoveryWindow.isZero()) {
            throw new IllegalArgumentException("the recovery window must be positive");
        }
    }

    /** A free port, one key, no event handlers, origin {@code localhost}, the service's recovery window. */
    public static EmulatorOptions withKey(String primaryKey) {
        return new EmulatorOptions(0, List.of(primaryKey), Map.of(), "localhost", DEFAULT_RECOVERY_WINDOW);
    }

    public EmulatorOptions withPort(int newPort) {
        return new EmulatorOptions(newPort, accessKeys, eventHandlers, webhookOrigin, recoveryWindow);
    }

    public EmulatorOptions withSecondaryKey(String secondaryKey) {
        return new EmulatorOptions(port, List.of(accessKeys.get(0), secondaryKey), eventHandlers, webhookOrigin, recoveryWindow);
    }

    /** Adds a handler to the hub's list; the first handler that takes an event receives it. */
    public EmulatorOptions withEventHandler(String hub, EventHandler handler) {
        Map<String, List<EventHandler>> handlers = new HashMap<>(eventHandlers);
        List<EventHandler> list = new ArrayList<>(handlers.getOrDefault(Names.hub(hub), List.of()));
        list.add(handler);
        handlers.put(Names.hub(hub), list);
        return new EmulatorOptions(port, accessKeys, handlers, webhookOrigin, recoveryWindow);
    }

    public EmulatorOptions withWebhookOrigin(String origin) {
        return new EmulatorOptions(port, accessKeys, eventHandlers, origin, recoveryWindow);
    }

    public EmulatorOptions withRecoveryWindow(Duration window) {
        return new EmulatorOptions(port, accessKeys, eventHandlers, webhookOrigin, window);
    }

    String primaryKey() {
        return accessKeys.get(0);
    }

    List<EventHandler> handlers(String hub) {
        return eventHandlers.getOrDefault(Names.hub(hub), List.of());
    }
}
