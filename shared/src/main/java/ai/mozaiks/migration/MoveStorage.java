package ai.mozaiks.migration;

import ai.mozaiks.api.Validation;
import java.util.Set;

/** {@code PUT /api/admin/apps/{app_id}/storage}: where the app's data should live. */
public record MoveStorage(String connection, String database) {

    /** {@code connections} are the connection settings this deployment has; a raw connection string is never accepted. */
    public void validate(Set<String> connections) {
        Validation validation = new Validation();
        validation.require(connection != null && connections.contains(connection), "connection",
                "must name a connection setting of this deployment, one of " + connections);
        validation.require(database != null && database.matches("[A-Za-z0-9_-]{1,63}"), "database",
                "must be a database name of letters, digits, _ or -");
        validation.check();
    }
}
