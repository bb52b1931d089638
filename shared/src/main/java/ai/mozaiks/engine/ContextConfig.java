package ai.mozaiks.engine;

import ai.mozaiks.kernel.AppId;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import reactor.core.publisher.Mono;

/**
 * What a chat's {@code config} context variables read, by lookup key (a variable's {@code env_var}, else its name):
 * the app's own settings, never the process environment. Asked once, when a chat starts, and only when its
 * workflow declares a {@code config} variable.
 */
@FunctionalInterface
public interface ContextConfig {
    /** Nothing configured: every {@code config} variable takes its manifest default. */
    ContextConfig NONE = (appId, platformWorkflow, keys) -> Mono.just(Map.of());

    /**
     * @param platformWorkflow whether the chat runs one of the platform's own workflows (not an app's pack)
     * @return the values found, by key; a key with no value is absent
     */
    Mono<Map<String, String>> values(AppId appId, boolean platformWorkflow, Set<String> keys);

    /**
     * The app's own values; for the platform's own workflows, the deployment's allow-listed values over them (the
     * operator decides how the platform's workflows run). An app's pack never sees those, whatever it names.
     */
    static ContextConfig of(BiFunction<AppId, Set<String>, Mono<Map<String, String>>> appValues,
                            Map<String, String> platformWorkflowValues) {
        Map<String, String> allowed = Map.copyOf(platformWorkflowValues);
        return (appId, platformWorkflow, keys) -> appValues.apply(appId, keys).map(own -> {
            if (!platformWorkflow) {
                return own;
            }
            Map<String, String> values = new HashMap<>(own);
            keys.stream().filter(allowed::containsKey).forEach(key -> values.put(key, allowed.get(key)));
            return values;
        });
    }
}
