package ai.mozaiks.persistence;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Watches every command the driver sends and reports any read or write of a runtime collection
 * whose filter (or documents) lacks a concrete {@code app_id}. {@link AppCollection} makes such a
 * command impossible to write; this guard proves it on the wire, in tests and in production logs.
 */
public final class AppScopeGuard implements CommandListener {
    private static final Logger LOG = Logger.getLogger(AppScopeGuard.class.getName());
    private static final int KEPT = 100;

    /** Command name → the field holding its filter(s) or documents. */
    private static final Map<String, String> SCOPED_FIELDS = Map.of(
            "find", "filter",
            "count", "query",
            "distinct", "query",
            "findAndModify", "query",
            "findandmodify", "query",
            "update", "updates",
            "delete", "deletes",
            "insert", "documents",
            "aggregate", "pipeline");

    private final List<Violation> violations = new CopyOnWriteArrayList<>();

    public record Violation(String database, String collection, String command, String reason) {
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        String command = event.getCommandName();
        String field = SCOPED_FIELDS.get(command);
        if (field == null) {
            return;
        }
        BsonDocument body = event.getCommand();
        BsonValue target = body.get(command);
        if (target == null || !target.isString() || !RuntimeCollection.isRuntime(target.asString().getValue())) {
            return;
        }
        String reason = unscopedReason(command, body.get(field));
        BsonValue findAndModifyUpdate = body.get("update");
        if (reason == null && command.equalsIgnoreCase("findAndModify") && findAndModifyUpdate != null && findAndModifyUpdate.isDocument()) {
            reason = AppScopeRules.updateViolation(findAndModifyUpdate.asDocument(), scopedAppId(body.get("query")));
        }
        if (reason != null) {
            Violation violation = new Violation(event.getDatabaseName(), target.asString().getValue(), command, reason);
            if (violations.size() < KEPT) {
                violations.add(violation);
            }
            LOG.log(Level.SEVERE, "unscoped runtime query: {0}", violation);
        }
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    public void clear() {
        violations.clear();
    }

    private static String unscopedReason(String command, BsonValue value) {
        switch (command) {
            case "update":
                String filterReason = everyElement(value, "q", "a statement filter lacks app_id");
                return filterReason != null ? filterReason : updateReason(value);
            case "delete":
                return everyElement(value, "q", "a statement filter lacks app_id");
            case "insert":
                if (value == null || !value.isArray()) {
                    return "no documents";
                }
                for (BsonValue document : value.asArray()) {
                    if (!document.isDocument() || !hasConcreteAppId(document.asDocument().get(ScopedField.APP_ID))) {
                        return "a document lacks app_id";
                    }
                }
                return null;
            case "aggregate":
                if (value == null || !value.isArray() || value.asArray().isEmpty()) {
                    return "empty pipeline";
                }
                BsonValue first = value.asArray().get(0);
                BsonValue match = first.isDocument() ? first.asDocument().get("$match") : null;
                if (match == null || !match.isDocument() || !isScoped(match.asDocument())) {
                    return "pipeline does not start with a $match on app_id";
                }
                for (BsonValue stage : value.asArray()) {
                    String stageReason = stage.isDocument() ? AppScopeRules.stageViolation(stage.asDocument()) : null;
                    if (stageReason != null) {
                        return stageReason;
                    }
                }
                return null;
            default:
                return value != null && value.isDocument() && isScoped(value.asDocument()) ? null : "filter lacks app_id";
        }
    }

    private static String updateReason(BsonValue statements) {
        for (BsonValue statement : statements.asArray()) {
            BsonValue update = statement.asDocument().get("u");
            String reason = update != null && update.isDocument()
                    ? AppScopeRules.updateViolation(update.asDocument(), scopedAppId(statement.asDocument().get("q"))) : null;
            if (reason != null) {
                return reason;
            }
        }
        return null;
    }

    private static String everyElement(BsonValue value, String filterField, String reason) {
        if (value == null || !value.isArray()) {
            return reason;
        }
        BsonArray statements = value.asArray();
        for (BsonValue statement : statements) {
            BsonValue filter = statement.isDocument() ? statement.asDocument().get(filterField) : null;
            if (filter == null || !filter.isDocument() || !isScoped(filter.asDocument())) {
                return reason;
            }
        }
        return null;
    }

    /** True when the filter pins app_id to one value, directly or inside an {@code $and}. */
    static boolean isScoped(BsonDocument filter) {
        return scopedAppId(filter) != null;
    }

    /** The one app id the filter pins, or null. */
    static String scopedAppId(BsonValue filter) {
        if (filter == null || !filter.isDocument()) {
            return null;
        }
        BsonValue value = filter.asDocument().get(ScopedField.APP_ID);
        if (hasConcreteAppId(value)) {
            return value.isString() ? value.asString().getValue() : value.asDocument().getString("$eq").getValue();
        }
        BsonValue and = filter.asDocument().get("$and");
        if (and != null && and.isArray()) {
            for (BsonValue clause : and.asArray()) {
                String found = scopedAppId(clause);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static boolean hasConcreteAppId(BsonValue value) {
        if (value == null) {
            return false;
        }
        if (value.isString()) {
            return !value.asString().getValue().isEmpty();
        }
        if (value.isDocument()) {
            BsonDocument operator = value.asDocument();
            return operator.size() == 1 && operator.containsKey("$eq") && operator.get("$eq").isString();
        }
        return false;
    }
}
