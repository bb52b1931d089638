package ai.mozaiks.health;

import java.util.LinkedHashMap;
import java.util.Map;

/** One dependency's answer: {@code {status: ok|fail, <measurements>, error?}}. */
public record CheckResult(boolean ok, Map<String, Object> details) {

    public static CheckResult ok(String measure, long millis) {
        return new CheckResult(true, Map.of(measure, millis));
    }

    public static CheckResult failed(String error) {
        return new CheckResult(false, Map.of("error", error));
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", ok ? "ok" : "fail");
        json.putAll(details);
        return json;
    }
}
