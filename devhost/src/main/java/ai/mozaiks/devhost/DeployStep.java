package ai.mozaiks.devhost;

import ai.mozaiks.persistence.SchemaReport;
import ai.mozaiks.platform.Platform;
import java.util.stream.Collectors;

/**
 * What a deployment does before serving, done by the devhost at start: every declared collection and index is made
 * (the step Functions serve at {@code PUT /api/admin/schema}). Requests never make them.
 */
public final class DeployStep {
    private DeployStep() {
    }

    /** Runs the step and answers its report; the databases must answer within a few dependency timeouts. */
    public static SchemaReport ensureSchema(Platform platform) {
        return platform.schema().ensure().block(platform.settings().dependencyTimeout().multipliedBy(6));
    }

    /** One line for the banner: how much was made, and each drift on a line of its own. */
    static String describe(SchemaReport report) {
        return report.changes().size() + " collection(s)/index(es) created"
                + (report.drift().isEmpty() ? ", no drift" : "; drift:\n" + report.drift().stream()
                .map(entry -> "    " + entry.outcome() + " " + entry.database() + "." + entry.collection()
                        + (entry.index() == null ? "" : " " + entry.index()) + (entry.detail() == null ? "" : ": " + entry.detail()))
                .collect(Collectors.joining("\n")));
    }
}
