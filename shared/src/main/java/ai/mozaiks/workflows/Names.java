package ai.mozaiks.workflows;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The naming rule for workflows, packs, agents, variables, tools and models, and the reserved participants. */
final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final Set<String> USER = Set.of("user", "user_proxy", "userproxy");
    private static final Set<String> TERMINATE = Set.of("terminate", "end", "stop");

    private Names() {
    }

    static boolean valid(String name) {
        return NAME.matcher(name).matches();
    }

    static String invalid(String name) {
        return "invalid name \"" + name + "\" (use 1-64 letters, digits or _)";
    }

    /** {@code user} and its aliases, which the runtime resolves to the user proxy. */
    static boolean isUser(String name) {
        return USER.contains(name.toLowerCase(Locale.ROOT));
    }

    /** {@code terminate} and its aliases. */
    static boolean isTerminate(String name) {
        return TERMINATE.contains(name.toLowerCase(Locale.ROOT));
    }
}
