package ai.mozaiks.persistence;

import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * What keeps a command inside one app beyond its filter: an update may not touch {@code app_id},
 * and an aggregation may not use stages that read or write other collections. {@link AppCollection}
 * refuses such commands; {@link AppScopeGuard} reports any that reach the wire anyway.
 */
final class AppScopeRules {
    /** Stages that join or write other collections, which the leading app_id $match does not cover. */
    private static final Set<String> CROSS_COLLECTION_STAGES = Set.of("$lookup", "$graphLookup", "$unionWith", "$out", "$merge");

    private AppScopeRules() {
    }

    /**
     * Why an update document breaks the app boundary, or null when it does not. A replacement
     * document must carry the app id the filter is scoped to; operators may not touch app_id.
     */
    static String updateViolation(BsonDocument update, String scopedAppId) {
        boolean replacement = !update.isEmpty() && update.keySet().stream().noneMatch(key -> key.startsWith("$"));
        if (replacement) {
            BsonValue appId = update.get(ScopedField.APP_ID);
            return appId != null && appId.isString() && appId.asString().getValue().equals(scopedAppId)
                    ? null : "a replacement document must keep the app_id of its filter";
        }
        for (String operator : update.keySet()) {
            BsonValue fields = update.get(operator);
            if (!operator.startsWith("$")) {
                return "an update mixes operators and fields";
            }
            if (fields.isDocument()) {
                for (String field : fields.asDocument().keySet()) {
                    if (touchesAppId(field) || fields.asDocument().get(field).isString() && operator.equals("$rename")
                            && touchesAppId(fields.asDocument().getString(field).getValue())) {
                        return "update operator " + operator + " changes app_id";
                    }
                }
            }
        }
        return null;
    }

    /** Why a pipeline stage reaches outside the app, or null when it does not. */
    static String stageViolation(BsonDocument stage) {
        for (String name : stage.keySet()) {
            if (CROSS_COLLECTION_STAGES.contains(name)) {
                return "stage " + name + " reads or writes outside the app's documents";
            }
        }
        return null;
    }

    private static boolean touchesAppId(String field) {
        return field.equals(ScopedField.APP_ID) || field.startsWith(ScopedField.APP_ID + ".");
    }
}
