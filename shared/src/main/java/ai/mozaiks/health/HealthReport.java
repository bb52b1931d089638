package ai.mozaiks.health;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The answer of {@code GET /api/health}. */
public record HealthReport(boolean healthy, Map<String, CheckResult> checks, String version) {

    /** The names of the checks that failed. */
    public List<String> failing() {
        return checks.entrySet().stream().filter(entry -> !entry.getValue().ok()).map(Map.Entry::getKey).toList();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> checkJson = new LinkedHashMap<>();
        checks.forEach((name, result) -> checkJson.put(name, result.toJson()));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", healthy ? "ok" : "fail");
        json.put("checks", checkJson);
        json.put("version", version);
        return json;
    }
}
