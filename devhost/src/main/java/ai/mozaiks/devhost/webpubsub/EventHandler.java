package ai.mozaiks.devhost.webpubsub;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * One upstream event handler of a hub, as configured in the service's hub settings: a URL template
 * with {@code {hub}} and {@code {event}}, the system events it receives ({@code connect},
 * {@code connected}, {@code disconnected}) and the user events, as {@code *}, a comma-separated list
 * of names, or blank for none.
 */
public record EventHandler(String urlTemplate, Set<String> systemEvents, String userEvents) {
    private static final Set<String> SYSTEM_EVENTS = Set.of("connect", "connected", "disconnected");

    public EventHandler {
        if (urlTemplate == null || !urlTemplate.matches("(?i)https?://.+")) {
            throw new IllegalArgumentException("an event handler URL template starts with http:// or https://, not " + urlTemplate);
        }
        systemEvents = Set.copyOf(systemEvents);
        for (String event : systemEvents) {
            if (!SYSTEM_EVENTS.contains(event)) {
                throw new IllegalArgumentException("system events are connect, connected and disconnected, not " + event);
            }
        }
        userEvents = userEvents == null ? "" : userEvents.strip();
    }

    boolean handlesSystem(String event) {
        return systemEvents.contains(event);
    }

    boolean handlesUser(String event) {
        return userEvents.equals("*") || Arrays.stream(userEvents.split(",")).map(String::strip).anyMatch(event::equals);
    }

    URI url(String hub, String event) {
        return URI.create(urlTemplate.replace("{hub}", encode(hub)).replace("{event}", encode(event)));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
