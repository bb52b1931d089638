package ai.mozaiks.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.HandoffCondition;
import ai.mozaiks.workflows.manifest.HandoffRule;
import ai.mozaiks.workflows.manifest.HandoffTarget;
import ai.mozaiks.workflows.manifest.StateTrigger;
import ai.mozaiks.workflows.manifest.ToolImplementation;
import ai.mozaiks.workflows.manifest.ToolSpec;
import ai.mozaiks.workflows.manifest.ToolType;
import ai.mozaiks.workflows.manifest.VariableSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The platform's own workflows in {@code /workflows} must load with no error and no warning. */
class ExampleWorkflowsTest {
    private static WorkflowCatalog catalog;

    @BeforeAll
    static void load() {
        catalog = WorkflowCatalog.load(Manifests.repositoryWorkflows());
    }

    @Test
    void allLoadWithoutAnyIssue() {
        assertEquals(List.of(), catalog.problems().stream().map(CatalogProblem::describe).toList());
        assertEquals(List.of("assistant", "interview_research_summary", "market_scan", "onboarding_intake", "onboarding_plan",
                        "product_research", "risk_scan", "tech_scan", "tool_demo"),
                catalog.workflows().stream().map(Workflow::name).toList());
    }

    @Test
    void productResearchFansOutToItsThreeAnglesAndMergesThem() {
        Workflow workflow = catalog.find("product_research").orElseThrow();
        ai.mozaiks.workflows.manifest.FanOut fanOut = workflow.fanOutFor("Planner").orElseThrow();
        assertEquals(Optional.of("Synthesizer"), fanOut.resumeAgent());
        assertEquals(3, fanOut.maxChildren());
        assertEquals(ai.mozaiks.workflows.manifest.FanOut.MergeMode.CONCATENATE, fanOut.mergeMode());
        for (String child : List.of("market_scan", "tech_scan", "risk_scan")) {
            assertEquals("product_research", catalog.find(child).orElseThrow().pack(), "one pack enables parent and children");
        }
    }

    @Test
    void thePackGraphNamesOnlyExampleWorkflowsAndChainsTheOnboardingJourney() {
        ai.mozaiks.journeys.PackGraph graph = ai.mozaiks.journeys.PackGraph.load(Manifests.repositoryWorkflows(),
                catalog.workflows().stream().map(Workflow::name).collect(java.util.stream.Collectors.toSet()));
        assertEquals(List.of("onboarding_intake"), graph.prerequisites("onboarding_plan").stream()
                .map(ai.mozaiks.journeys.PackGraph.Prerequisite::workflow).toList());
        assertEquals(List.of(), graph.prerequisites("assistant"), "the other examples start freely");
    }

    @Test
    void assistantIsOneAgentThatHandsBackToTheUser() {
        Workflow assistant = catalog.find("assistant").orElseThrow();
        assertEquals(1, assistant.agents().size());
        assertEquals("Assistant", assistant.initialAgent());
        assertEquals(List.of(new HandoffRule("Assistant", new HandoffTarget.User(), Optional.empty())), assistant.handoffs());
    }

    @Test
    void interviewResearchSummaryRunsThreeAgentsOnExpressionHandoffs() {
        Workflow workflow = catalog.find("interview_research_summary").orElseThrow();
        assertEquals(List.of("Interviewer", "Researcher", "Summarizer"), workflow.agents().stream().map(agent -> agent.name()).toList());
        assertTrue(workflow.orchestrator().humanInTheLoop());

        HandoffRule toResearch = workflow.handoffsFrom("Interviewer").get(0);
        assertEquals(new HandoffTarget.Agent("Researcher"), toResearch.target());
        HandoffCondition.Context condition = (HandoffCondition.Context) toResearch.condition().orElseThrow();
        assertFalse(condition.expression().evaluate(Map.of("interview_complete", false)));
        assertTrue(condition.expression().evaluate(Map.of("interview_complete", true)));

        VariableSource.State state = (VariableSource.State) workflow.contextVariables()
                .definition("interview_complete").orElseThrow().source();
        StateTrigger.AgentText sentinel = (StateTrigger.AgentText) state.triggers().get(0);
        assertTrue(sentinel.uiHidden());
        assertTrue(sentinel.match().matches("READY_FOR_RESEARCH"));

        assertEquals("ResearchBrief", workflow.structuredOutputs().modelFor("Summarizer").orElseThrow().name());
        assertEquals("object", workflow.structuredOutputs().jsonSchema("ResearchBrief").get("type").asText());
    }

    @Test
    void toolDemoHasAJavaToolAndAUiTool() {
        Workflow workflow = catalog.find("tool_demo").orElseThrow();
        ToolSpec time = workflow.tools().tool("current_time").orElseThrow();
        assertEquals(Optional.of(new ToolImplementation.JavaClass("ai.mozaiks.tools.builtin.CurrentTime")), time.implementation());
        ToolSpec choice = workflow.tools().tool("choose_option").orElseThrow();
        assertEquals(ToolType.UI_TOOL, choice.type());
        assertEquals("OptionPicker", choice.ui().orElseThrow().component());
    }
}
