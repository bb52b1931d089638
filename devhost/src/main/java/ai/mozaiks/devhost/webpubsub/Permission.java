package ai.mozaiks.devhost.webpubsub;

import java.util.Collection;
import java.util.Optional;

/**
 * What a client may do with groups, granted by roles: {@code webpubsub.joinLeaveGroup} or
 * {@code webpubsub.sendToGroup} for every group, or with {@code .<group>} appended for one group.
 * Without a role a client may only send events to the server.
 */
enum Permission {
    JOIN_LEAVE_GROUP("joinLeaveGroup"),
    SEND_TO_GROUP("sendToGroup");

    private final String name;

    Permission(String name) {
        this.name = name;
    }

    /** The permission as the REST API names it ({@code joinLeaveGroup}, {@code sendToGroup}). */
    static Optional<Permission> named(String name) {
        for (Permission permission : values()) {
            if (permission.name.equals(name)) {
                return Optional.of(permission);
            }
        }
        return Optional.empty();
    }

    /** The role that grants this permission for one group, or for all when {@code group} is null. */
    String role(String group) {
        return group == null ? "webpubsub." + name : "webpubsub." + name + "." + group;
    }

    boolean allowed(Collection<String> roles, String group) {
        return roles.contains(role(null)) || (group != null && roles.contains(role(group)));
    }
}
