package ai.mozaiks.devhost.controlplane;

import static ai.mozaiks.devhost.controlplane.ControlPlane.expect;
import static ai.mozaiks.devhost.controlplane.ControlPlane.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.devhost.controlplane.ControlPlane.Response;
import ai.mozaiks.devhost.controlplane.ControlPlane.User;
import com.mongodb.client.model.Filters;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A published pack is hostile input: it is read only for a caller allowed to publish to the app, and each workflow is
 * held to the platform's limits, each exceeded limit named in the 400 problem, nothing stored.
 */
class PublishPackLimitsIT {
    private static final ControlPlane cp = ControlPlane.get();
    private static User owner;

    @BeforeAll
    static void owner() {
        owner = cp.user("limits-owner");
    }

    /** A free app of a new tenant (the free tier allows one app per tenant). */
    private static String freeApp(User by) {
        return cp.createApp(by, cp.createTenant(by), "free");
    }

    /** A bundle whose handoff condition is 15,000 levels deep and whose trigger regex backtracks catastrophically. */
    private static Map<String, String> hostile() {
        Map<String, String> files = new TreeMap<>(ControlPlane.workflowFiles("assistant", "hostile"));
        files.put("hostile/handoffs.yaml", "handoff_rules:\n- {source_agent: Assistant, target_agent: user, condition: '"
                + "not ".repeat(15_000) + "${done}'}\n");
        files.put("hostile/context_variables.yaml", "definitions:\n- name: done\n  type: boolean\n  source:\n    type: state\n"
                + "    default: false\n    triggers:\n    - {type: agent_text, agent: Assistant, match: {regex: '(a)\\1.*.*.*X'}}\n");
        return files;
    }

    private static void assertNothingStored(String app) {
        assertEquals(List.of(), cp.blobNames(cp.packsContainer(), app + "/"), "no file stored");
        assertEquals(0, cp.count("packs", Filters.eq("app_id", app)), "no version recorded");
    }

    @Test
    void aCallerWithoutTheRoleIsAnsweredBeforeTheBundleIsRead() {
        String app = freeApp(owner);
        User stranger = cp.user("stranger");
        Response notFound = cp.post("/api/apps/" + app + "/packs", stranger, obj("id", "evil", "version", "1.0.0", "files", hostile()));
        expect(404, notFound, "publish by someone outside the tenant");
        assertTrue(notFound.contentType().startsWith("application/problem+json"), notFound.contentType());

        String tenant = cp.app(app).getString("tenant_id");
        User builder = cp.addMember(tenant, owner, "builder", "builder");
        Response forbidden = cp.post("/api/apps/" + app + "/packs", builder, obj("id", "evil", "version", "1.0.0", "files", hostile()));
        expect(403, forbidden, "publish by a builder");
        assertNothingStored(app);
    }

    @Test
    void aDeepConditionAndANonLinearRegexAreValidationErrors() {
        String app = freeApp(owner);
        Response refused = cp.post("/api/apps/" + app + "/packs", owner, obj("id", "evil", "version", "1.0.0", "files", hostile()));
        expect(400, refused, "hostile bundle");
        assertEquals("validation_failed", refused.code());
        assertTrue(refused.errorMessage("files.hostile/handoffs.yaml").contains("invalid expression: longer than 4096 characters"),
                refused.body());
        assertTrue(refused.errorMessage("files.hostile/context_variables.yaml").contains("invalid regex"), refused.body());
        assertNothingStored(app);

        Map<String, String> nested = hostile();
        nested.put("hostile/handoffs.yaml", "handoff_rules:\n- {source_agent: Assistant, target_agent: user, condition: '"
                + "(".repeat(1_000) + "${done}" + ")".repeat(1_000) + "'}\n");
        Response deep = cp.post("/api/apps/" + app + "/packs", owner, obj("id", "evil", "version", "1.0.0", "files", nested));
        expect(400, deep, "deeply nested condition");
        assertTrue(deep.errorMessage("files.hostile/handoffs.yaml").contains("nested more than 64 levels deep"), deep.body());
        assertNothingStored(app);
    }

    @Test
    void eachLimitExceededIsNamedAndNothingIsStored() {
        String app = freeApp(owner);
        String agents = "agents:\n" + IntStream.range(0, 2)
                .mapToObj(i -> "- name: A" + i + "\n  system_message: '" + (i == 0 ? "x".repeat(32_001) : "Be brief.") + "'\n")
                .collect(Collectors.joining());
        Map<String, String> files = new TreeMap<>();
        files.put("big/orchestrator.yaml", "max_turns: 51\n");
        files.put("big/agents.yaml", agents);
        files.put("big/tools.yaml", "tools:\n" + IntStream.range(0, 65).mapToObj(i -> "- agent: A0\n  function: tool_" + i
                + "\n  description: A tool.\n  tool_type: Agent_Tool\n  implementation: {type: java, class: com.example.T" + i + "}\n")
                .collect(Collectors.joining()));
        files.put("big/handoffs.yaml", "handoff_rules:\n" + IntStream.range(0, 129)
                .mapToObj(i -> "- {source_agent: A0, target_agent: A1, condition: '${v0} == " + i + "'}\n").collect(Collectors.joining()));
        files.put("big/context_variables.yaml", "definitions:\n" + IntStream.range(0, 129)
                .mapToObj(i -> "- name: v" + i + "\n  type: integer\n  source: {type: state, default: 0}\n").collect(Collectors.joining()));
        files.put("crowd/orchestrator.yaml", "max_turns: 5\n");
        files.put("crowd/agents.yaml", "agents:\n" + IntStream.range(0, 51)
                .mapToObj(i -> "- name: A" + i + "\n  system_message: Be brief.\n").collect(Collectors.joining()));
        files.put("big/structured_outputs.yaml", "structured_outputs:\n  models:\n" + IntStream.range(0, 65)
                .mapToObj(i -> "    M" + i + ":\n      type: model\n      fields:\n        ok: {type: bool}\n").collect(Collectors.joining()));

        Response refused = cp.post("/api/apps/" + app + "/packs", owner, obj("id", "big", "version", "1.0.0", "files", files));
        expect(400, refused, "a workflow over every limit");
        assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
        assertEquals("validation_failed", refused.code());
        List<String> errors = new java.util.ArrayList<>();
        refused.json().path("errors").forEach(error -> errors.add(error.path("field").asText() + " " + error.path("message").asText()));
        assertEquals(List.of(
                "files.big/tools.yaml tools: has 65 entries; at most 64 are allowed",
                "files.big/handoffs.yaml handoff_rules: has 129 entries; at most 128 are allowed",
                "files.big/context_variables.yaml definitions: has 129 entries; at most 128 are allowed",
                "files.big/structured_outputs.yaml models: has 65 entries; at most 64 are allowed",
                "files.big/agents.yaml agents[0]: the system message of A0 has 32001 characters; at most 32000 are allowed",
                "files.big/orchestrator.yaml max_turns: 51 is more than the free tier allows (50)",
                "files.crowd/agents.yaml agents: 51 agents exceed the limit of 50"), errors);
        assertNothingStored(app);

        Map<String, String> many = new TreeMap<>();
        IntStream.range(0, 201).forEach(i -> many.put("w" + i + "/orchestrator.yaml", "max_turns: 5\n"));
        Response tooMany = cp.post("/api/apps/" + app + "/packs", owner, obj("id", "many", "version", "1.0.0", "files", many));
        expect(400, tooMany, "201 files");
        assertTrue(tooMany.errorFields().contains("files"), tooMany.body());
        assertNothingStored(app);
    }

    @Test
    void aPackWithinTheLimitsOfItsTierPublishes() {
        String app = freeApp(owner);
        Map<String, String> files = new TreeMap<>(ControlPlane.workflowFiles("assistant", "at_the_cap"));
        files.put("at_the_cap/orchestrator.yaml", files.get("at_the_cap/orchestrator.yaml").replaceAll("max_turns: \\d+", "max_turns: 50"));
        expect(201, cp.post("/api/apps/" + app + "/packs", owner, obj("id", "capped", "version", "1.0.0", "files", files)), "publish");
        assertEquals(1, cp.count("packs", Filters.eq("app_id", app)));
    }
}
