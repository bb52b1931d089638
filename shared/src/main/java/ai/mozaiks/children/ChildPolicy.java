package ai.mozaiks.children;

import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.tenancy.WorkflowDirectory;
import ai.mozaiks.tenancy.WorkflowEntry;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.Entitlement;
import ai.mozaiks.tenancy.Entitlements;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * What an app's fan-outs may do: how many children run at once (its {@code parallel_child_workflows}, see
 * {@link ai.mozaiks.tenancy.AppLimits}), and which workflows may run as children: the same ones the app could start (a model
 * naming a workflow does not get around the app's packs, tier or state), and none once the app's monthly token budget
 * is spent.
 */
public final class ChildPolicy {
    private final MongoCollection<Document> apps;
    private final WorkflowDirectory workflows;
    private final Entitlements entitlements;

    public ChildPolicy(MongoCollection<Document> apps, WorkflowDirectory workflows, Entitlements entitlements) {
        this.apps = apps;
        this.workflows = workflows;
        this.entitlements = entitlements;
    }

    /** Children of the app that may run at once; none for an app that is gone. */
    public Mono<Integer> parallel(AppId appId) {
        return app(appId).map(this::parallel).defaultIfEmpty(0);
    }

    private int parallel(Document app) {
        return entitlements.limits(app).parallelChildWorkflows();
    }

    /** Per selected workflow, in order: why the app may not run it as a child, or nothing when it may. */
    public Mono<List<Optional<String>>> refusals(AppId appId, List<String> selected) {
        return app(appId).flatMap(app -> {
            if (parallel(app) == 0) {
                return Mono.just(all(selected, "This app runs no child workflows (parallel_child_workflows is 0)."));
            }
            return Mono.zip(workflows.list(appId, app.get("packs", Document.class)), entitlements.withinMonthlyBudget(app)).map(found -> {
                if (!found.getT2().allowed()) {
                    return all(selected, found.getT2().detail());
                }
                List<Optional<String>> refusals = new ArrayList<>();
                for (String name : selected) {
                    Optional<WorkflowEntry> entry = WorkflowDirectory.pick(found.getT1(), name);
                    refusals.add(entry.isEmpty() ? Optional.of("The app has no workflow named " + name + ".")
                            : entitlements.availability(app, entry.get()).filter(decision -> !decision.allowed()).map(Entitlement::detail));
                }
                return refusals;
            });
        }).defaultIfEmpty(all(selected, "The app is gone."));
    }

    /** The same refusal for every selected workflow: a reason that is the app's, not a workflow's. */
    private static List<Optional<String>> all(List<String> selected, String reason) {
        return selected.stream().map(name -> Optional.of(reason)).toList();
    }

    private Mono<Document> app(AppId appId) {
        return Mono.from(apps.find(eq("_id", appId.value())).first());
    }
}
