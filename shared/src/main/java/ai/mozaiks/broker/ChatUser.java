package ai.mozaiks.broker;

import ai.mozaiks.identity.Principal;

/**
 * The owner id of a chat. Platform users and an app's own end-users come from different identity
 * providers, so end-users are namespaced: "alice" of the platform and "alice" of an app's IdP are
 * never the same chat owner.
 */
public final class ChatUser {
    static final String END_USER_PREFIX = "enduser:";

    private ChatUser() {
    }

    public static String id(Principal principal) {
        return principal.isEndUser() ? END_USER_PREFIX + principal.userId() : principal.userId();
    }
}
