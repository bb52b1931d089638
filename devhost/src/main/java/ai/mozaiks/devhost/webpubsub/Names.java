package ai.mozaiks.devhost.webpubsub;

import java.util.Locale;
import java.util.regex.Pattern;

/** Hub and group names as the service accepts them; hubs are case-insensitive, groups are not. */
final class Names {
    private static final Pattern HUB = Pattern.compile("[A-Za-z][A-Za-z0-9_`,.\\[\\]]{0,127}");
    private static final int MAX_GROUP_LENGTH = 1024;

    private Names() {
    }

    static boolean isHub(String name) {
        return name != null && HUB.matcher(name).matches();
    }

    /** The one spelling a hub is kept under. */
    static String hub(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    static boolean isGroup(String name) {
        return name != null && !name.isEmpty() && name.length() <= MAX_GROUP_LENGTH;
    }
}
