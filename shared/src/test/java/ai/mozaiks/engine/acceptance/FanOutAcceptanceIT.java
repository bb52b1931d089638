package ai.mozaiks.engine.acceptance;

import ai.mozaiks.engine.Lane;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.engine.StepMessage;
import ai.mozaiks.engine.StepOutcome;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.awaitAll;
import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fan-out and fan-in: a Planner's structured output ({@code PatternSelection}) starts child workflows, which run within
 * the app's parallel-children limit on the background lane while the parent waits with no step queued; the last child's
 * end resumes the parent once, with the merged results. Crashes and timeouts are left to the reconciler.
 */
class FanOutAcceptanceIT extends EngineAcceptance {

    private static Workflow parent(String policy) {
        return Manifests.of("""
                max_turns: 10
                startup_mode: AgentDriven
                initial_agent: Planner
                initial_message: Split the research into parts.
                """).named("research_split").with(
                "agents.yaml", """
                        agents:
                        - name: Planner
                          system_message: You split research into parts.
                        - name: Synthesizer
                          system_message: You merge the findings.
                        """,
                "handoffs.yaml", """
                        handoff_rules:
                        - source_agent: Synthesizer
                          target_agent: terminate
                          handoff_type: after_work
                        """,
                "structured_outputs.yaml", """
                        structured_outputs:
                          models:
                            Choice:
                              type: model
                              fields:
                                name: {type: str}
                                initial_message: {type: str}
                            PatternSelection:
                              type: model
                              fields:
                                is_multi_workflow: {type: bool}
                                workflows: {type: "list[Choice]"}
                          registry:
                            Planner: PatternSelection
                        """,
                "_pack/workflow_graph.json", """
                        {"version": 3, "mid_flight_journeys": [{"id": "split", "trigger_agent": "Planner",
                          "fan_out": {"spawn_mode": "workflow", "max_children": 5, "timeout_seconds": 600},
                          "fan_in": {"resume_agent": "Synthesizer", "merge_mode": "collect_all", "on_partial_failure": "%s"}}]}
                        """.formatted(policy)).load();
    }

    private static final Workflow CHILD = child("research_part", 4, "terminate");

    /** A child workflow of one Worker, whose after_work goes to {@code afterWork}. */
    private static Workflow child(String name, int maxTurns, String afterWork) {
        return Manifests.of("max_turns: " + maxTurns + "\nstartup_mode: AgentDriven\ninitial_agent: Worker\n").named(name).with(
                "agents.yaml", """
                        agents:
                        - name: Worker
                          system_message: You research one part.
                        """,
                "handoffs.yaml", """
                        handoff_rules:
                        - source_agent: Worker
                          target_agent: %s
                          handoff_type: after_work
                        """.formatted(afterWork)).load();
    }

    /** The Planner's answer: one child per workflow named, each with its part. */
    private static String selection(List<String> workflows) {
        return "{\"is_multi_workflow\": true, \"workflows\": [" + IntStream.range(0, workflows.size())
                .mapToObj(i -> "{\"name\": \"" + workflows.get(i) + "\", \"initial_message\": \"Part " + i + "\"}")
                .collect(Collectors.joining(", ")) + "]}";
    }

    private String startParent(List<String> workflows) {
        harness.replies(selection(workflows));
        String chatId = harness.startChat("research_split");
        assertTrue(harness.deliverNext() instanceof StepOutcome.AwaitingChildren);
        return chatId;
    }

    /** The model answers these, in order; every queued step runs; the parent completes. */
    private void runsToCompletion(String parentId, String... replies) {
        for (String reply : replies) {
            harness.replies(reply);
        }
        harness.deliverAll();
        assertEquals("completed", harness.status(parentId));
    }

    private long runningChildren() {
        return awaitAll(harness.fixture().rawDatabase("mozaiks_runtime").getCollection("chat_sessions")
                .find(and(exists("parent_chat_id"), eq("status", "running")))).size();
    }

    private static long runningInRecord(Document run) {
        return run.getList("children", Document.class).stream().filter(child -> "running".equals(child.getString("status"))).count();
    }

    @Test
    void aParentResumingWhileItsUsersOnlyRunSlotIsHeldIsQueuedAndRunsOnceTheSlotFrees() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD)
                .limit("concurrent_runs_per_user", 1);
        String other = harness.startChat("assistant");
        assertEquals(new StepOutcome.AwaitingInput("user_driven"), harness.deliverNext());
        String parentId = startParent(List.of("research_part", "research_part"));
        harness.replies("Finding 0").replies("Finding 1").replies("A tide is the rise and fall of the sea.")
                .replies("Merged both parts.");
        // Children take no run slot: they run while the user's only slot is held by the other chat.
        assertEquals(ai.mozaiks.session.ChatStatus.RUNNING, harness.say(other, "m-1", "What is a tide?").status());
        StepMessage otherStep = null;
        while (!harness.queued().isEmpty()) {
            if (harness.queued().get(0).chatId().equals(other)) {
                otherStep = harness.dropNext();
            } else {
                harness.deliverNext();
            }
        }

        assertEquals("queued", harness.status(parentId), "the children ended; the parent waits for the user's slot");
        assertEquals(1, harness.events(parentId, "chat.workflow_resumed").size(), "it resumed, with the merged results");
        assertEquals(new StepOutcome.AwaitingInput("handoff"), harness.deliver(otherStep));
        assertEquals("running", harness.status(parentId), "the freed slot went to the parent");
        harness.deliverAll();
        assertEquals("completed", harness.status(parentId));
        assertEquals(0L, ai.mozaiks.persistence.EmbeddedMongoFixture.await(
                harness.runSlots().held(EngineHarness.APP, EngineHarness.USER)));
    }

    @Test
    void fiveChildrenWithALimitOfTwoNeverRunMoreThanTwoAndTheParentResumesOnceWithAllFive() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD)
                .parallelChildren(2);
        String parentId = startParent(List.of("research_part", "research_part", "research_part", "research_part", "research_part"));

        assertEquals("awaiting_children", harness.status(parentId));
        assertEquals(2, harness.queued().size(), "two children start; three wait in the record");
        assertTrue(harness.queued().stream().allMatch(step -> step.lane() == Lane.BACKGROUND), "children run on the background lane");
        long most = 0;
        int finding = 0;
        while (!harness.queued().isEmpty()) {
            StepMessage next = harness.queued().get(0);
            if (next.chatId().equals(parentId)) {
                harness.replies("Merged all five parts.");
            } else {
                harness.replies("Finding " + finding++);
            }
            harness.deliverNext();
            long inRecord = runningInRecord(harness.runs().get(0));
            most = Math.max(most, Math.max(inRecord, runningChildren()));
            assertTrue(inRecord <= 2 && runningChildren() <= 2, "at most two children run at once");
        }
        assertEquals(2, most, "the limit was reached, not just respected");
        assertEquals(5, finding);
        assertEquals("completed", harness.status(parentId));

        Document run = harness.runs().get(0);
        assertEquals("resumed", run.getString("status"));
        List<Document> children = run.getList("children", Document.class);
        assertEquals(List.of("completed", "completed", "completed", "completed", "completed"),
                children.stream().map(child -> child.getString("status")).toList());
        for (int i = 0; i < 5; i++) {
            String childId = children.get(i).getString("chat_id");
            Document chat = harness.chat(childId);
            assertEquals(parentId, chat.getString("parent_chat_id"));
            assertEquals("Part " + i, harness.events(childId, "chat.text").get(0).data().get("content"), "the child starts with its part");
            assertEquals("Finding " + i, children.get(i).getString("summary"));
        }

        // The parent's log: the batch, each child's end in order, one resume, then the Synthesizer.
        List<ChatEvent> events = harness.events(parentId);
        List<String> fanOut = events.stream().map(ChatEvent::type)
                .filter(type -> type.startsWith("chat.workflow_") || type.equals("chat.run_complete")).toList();
        assertEquals(List.of("chat.workflow_batch_started", "chat.workflow_child_completed", "chat.workflow_child_completed",
                "chat.workflow_child_completed", "chat.workflow_child_completed", "chat.workflow_child_completed",
                "chat.workflow_resumed", "chat.run_complete"), fanOut);
        assertEquals(List.of(1, 2, 3, 4, 5), harness.events(parentId, "chat.workflow_child_completed").stream()
                .map(event -> ((Number) event.data().get("completed_count")).intValue()).toList());
        ChatEvent batch = harness.events(parentId, "chat.workflow_batch_started").get(0);
        assertEquals(5, ((Number) batch.data().get("count")).intValue());
        assertEquals(2, ((Number) batch.data().get("parallel_limit")).intValue());
        assertEquals("parallel_child_workflows", batch.data().get("limit"), "why three wait is named");
        ChatEvent resumed = harness.events(parentId, "chat.workflow_resumed").get(0);
        assertEquals("Synthesizer", resumed.data().get("resume_agent"));
        assertEquals(5, ((Number) resumed.data().get("succeeded_count")).intValue());
        long resumedSeq = resumed.seq();
        assertTrue(events.stream().filter(event -> event.seq() > resumedSeq).anyMatch(event -> "chat.text".equals(event.type())
                && "Synthesizer".equals(event.data().get("agent"))), "the resume agent speaks after the resume");

        // The Synthesizer saw every finding; the context holds them all.
        String lastRequest = harness.requests().get(harness.requests().size() - 1).toString();
        for (int i = 0; i < 5; i++) {
            assertTrue(lastRequest.contains("Finding " + i), "the resume agent reads finding " + i);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) harness.conversation(parentId).variables().get("child_results");
        assertEquals(5, results.size());
        assertTrue(results.stream().allMatch(result -> "completed".equals(result.get("status"))));

        // Nothing left to reconcile, and reconciling again resumes nothing twice.
        assertEquals(List.of(), harness.reconcile());
        assertEquals(1, harness.events(parentId, "chat.workflow_resumed").size());
        assertTrue(harness.queued().isEmpty());
    }

    @Test
    void childrenEndingAtTheSameMomentAreToldInOneOrderAndResumeTheParentOnce() throws Exception {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD).parallelChildren(3);
        String parentId = startParent(List.of("research_part", "research_part", "research_part"));
        List<StepMessage> children = List.of(harness.dropNext(), harness.dropNext(), harness.dropNext());
        harness.replies("Finding").replies("Finding").replies("Finding");

        List<java.util.concurrent.CompletableFuture<StepOutcome>> ending = children.stream()
                .map(step -> java.util.concurrent.CompletableFuture.supplyAsync(() -> harness.deliver(step))).toList();
        for (java.util.concurrent.CompletableFuture<StepOutcome> end : ending) {
            assertTrue(end.get(30, java.util.concurrent.TimeUnit.SECONDS) instanceof StepOutcome.Completed);
        }

        assertEquals(List.of(1, 2, 3), harness.events(parentId, "chat.workflow_child_completed").stream()
                .map(event -> ((Number) event.data().get("completed_count")).intValue()).toList(), "counted on, in the log's order");
        assertEquals(1, harness.events(parentId, "chat.workflow_resumed").size());
        assertEquals(List.of(new StepMessage(ai.mozaiks.kernel.AppId.of("app-acceptance"), parentId, 1)), harness.queued(),
                "the parent's step, queued once");
        runsToCompletion(parentId, "Merged.");
    }

    @Test
    void aPlaceLeftHeldByACrashAfterAChildsEndIsGivenBackByTheNextProgress() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD).parallelChildren(1);
        String parentId = startParent(List.of("research_part", "research_part"));
        harness.dropNext();
        assertTrue(harness.queued().isEmpty(), "the second child waits for the app's one place");

        // The process died after the first child's end was written into the record, before its place was given back.
        Document run = harness.runs().get(0);
        EmbeddedMongoFixture.await(reactor.core.publisher.Mono.from(harness.fixture().rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB)
                .getCollection("pack_runs").updateOne(eq("_id", run.getString("_id")), new Document("$set",
                        new Document("children.0.status", "failed").append("children.0.ended_at", new java.util.Date())))));
        harness.reconcile();

        List<Document> children = harness.runs().get(0).getList("children", Document.class);
        assertEquals("running", children.get(1).getString("status"), "the place went to the waiting child");
        assertEquals(List.of(children.get(1).getString("chat_id")), harness.queued().stream().map(StepMessage::chatId).toList());
        harness.replies("Finding 1");
        harness.deliverNext();
        runsToCompletion(parentId, "Merged.");
    }

    /** A JSON object nested {@code depth} levels: {"a": {"a": ... {} ...}}. */
    private static String nested(int depth) {
        return "{\"a\": ".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    @Test
    void aChildsReplyNestedTooDeepIsKeptAsTextNeverAsAStoredObject() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD).parallelChildren(3);
        String parentId = startParent(List.of("research_part", "research_part", "research_part"));
        harness.replies("{\"finding\": \"plain\"}");
        harness.deliverNext();
        harness.replies(nested(200));
        harness.deliverNext();
        harness.replies(nested(10_000));
        harness.deliverNext();

        List<Document> children = harness.runs().get(0).getList("children", Document.class);
        assertEquals(List.of("completed", "completed", "completed"), children.stream().map(child -> child.getString("status")).toList(),
                "a deep reply ends its child like any other");
        assertEquals(new Document("finding", "plain"), children.get(0).get("output"), "an object within the limits is kept as one");
        assertEquals(null, children.get(1).get("output"), "200 levels (past the store's 100) stays text");
        assertEquals(null, children.get(2).get("output"), "10,000 levels (past the BSON parser's stack) stays text");
        assertTrue(children.get(2).getString("summary").startsWith("{\"a\": {\"a\":"), "the reply is still summarised as text");
        runsToCompletion(parentId, "Merged.");
        assertEquals(1, harness.events(parentId, "chat.workflow_resumed").size());
    }

    @Test
    void aCrashBetweenTheLastChildsEndAndTheResumeIsRepairedOnceByTheReconciler() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD);
        String parentId = startParent(List.of("research_part", "research_part"));
        harness.replies("Finding 0");
        harness.deliverNext();
        harness.replies("Finding 1");
        assertTrue(harness.deliverNextAndCrash() instanceof StepOutcome.Completed, "the last child committed, then the process died");
        assertEquals("awaiting_children", harness.status(parentId));
        assertTrue(harness.queued().isEmpty(), "nothing would ever resume the parent");

        String lastChild = harness.runs().get(0).getList("children", Document.class).get(1).getString("chat_id");
        assertEquals(List.of("child_end_recorded " + lastChild), harness.reconcile());
        assertEquals("running", harness.status(parentId));
        assertEquals(1, harness.queued().size(), "the parent's step, once");
        assertEquals(List.of(), harness.reconcile(), "a second sweep finds nothing to do");
        assertEquals(1, harness.queued().size());

        runsToCompletion(parentId, "Merged.");
        assertEquals(1, harness.events(parentId, "chat.workflow_resumed").size());
        assertEquals(2, harness.events(parentId, "chat.workflow_child_completed").size());
    }

    @Test
    void aSuspendedAppsChildrenCallNoModelTheSweepsLeaveThemAndTheyGoOnOnceResumed() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD);
        String parentId = startParent(List.of("research_part", "research_part"));
        assertEquals(2, harness.queued().size());

        harness.appStatus("suspended");
        assertEquals(List.of(new StepOutcome.Stale("the app is suspended"), new StepOutcome.Stale("the app is suspended")),
                harness.deliverAll());
        harness.fixture().clock().advance(Duration.ofMinutes(3));
        assertEquals(List.of(), harness.reconcile(), "the reconciler leaves a suspended app alone");
        assertEquals(0, harness.reap(), "so does the reaper");
        assertEquals(1, harness.requests().size(), "only the Planner's call, made before the suspension");
        assertEquals("awaiting_children", harness.status(parentId));

        harness.appStatus("active");
        assertEquals(2, harness.reap(), "resumed: the children's stalled steps are queued again");
        runsToCompletion(parentId, "Finding 0", "Finding 1", "Merged.");
        assertEquals(4, harness.requests().size());
    }

    @Test
    void aSpawnLostToACrashAfterTheCommitIsStartedByTheReconciler() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD);
        harness.replies(selection(List.of("research_part", "research_part")));
        String parentId = harness.startChat("research_split");
        assertTrue(harness.deliverNextAndCrash() instanceof StepOutcome.AwaitingChildren);
        assertEquals(List.of(), harness.runs());

        assertEquals(List.of(), harness.reconcile(), "a parent that just committed gets its grace");
        harness.fixture().clock().advance(Duration.ofMinutes(1));
        assertEquals(List.of("fan_out_spawned " + parentId), harness.reconcile());
        assertEquals(2, harness.queued().size());
        runsToCompletion(parentId, "Finding 0", "Finding 1", "Merged.");
    }

    @Test
    void aChildPastItsTimeoutFailsAndTheParentResumesWithWhatFinished() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD);
        String parentId = startParent(List.of("research_part", "research_part"));
        harness.replies("Finding 0");
        harness.deliverNext();
        StepMessage stuck = harness.dropNext();

        harness.fixture().clock().advance(Duration.ofSeconds(601));
        assertEquals(List.of("child_timed_out " + stuck.chatId()), harness.reconcile());
        Document run = harness.runs().get(0);
        assertEquals("timed_out", run.getList("children", Document.class).get(1).getString("status"));
        assertTrue(harness.chat(stuck.chatId()).getBoolean("cancel_requested", false), "the stuck child is asked to stop");

        ChatEvent resumed = harness.events(parentId, "chat.workflow_resumed").get(0);
        assertEquals(1, ((Number) resumed.data().get("succeeded_count")).intValue());
        assertEquals(1, ((Number) resumed.data().get("failed_count")).intValue());
        runsToCompletion(parentId, "Merged what finished.");
        // The stuck child's step comes back at last: it ends cancelled, and its parent has already moved on.
        harness.deliver(stuck);
        assertEquals("cancelled", harness.status(stuck.chatId()));
        assertEquals(1, harness.events(parentId, "chat.workflow_resumed").size());
    }

    /** A child that never terminates by itself: it ends by its one turn. */
    private static final Workflow LOOPING_CHILD = child("looping_part", 1, "Worker");

    @Test
    void aChildThatEndedByItsTurnsIsOverButNotCountedAsSucceeded() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD, LOOPING_CHILD);
        String parentId = startParent(List.of("research_part", "looping_part"));
        harness.replies("Finding 0");
        harness.replies("Finding 1");
        harness.replies("Merged what finished.");
        harness.deliverAll();

        List<Document> children = harness.runs().get(0).getList("children", Document.class);
        assertEquals(List.of("completed", "max_turns_reached"), children.stream().map(child -> child.getString("status")).toList());
        assertEquals("max_turns_reached", harness.status(children.get(1).getString("chat_id")));
        ChatEvent resumed = harness.events(parentId, "chat.workflow_resumed").get(0);
        assertEquals(1, ((Number) resumed.data().get("succeeded_count")).intValue());
        assertEquals(1, ((Number) resumed.data().get("failed_count")).intValue());
        assertEquals("completed", harness.status(parentId), "resumed with what finished, the parent ends by its own handoff");
    }

    @Test
    void underFailAllAFailedChildSkipsTheRestAndFailsTheParent() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("fail_all"), CHILD).parallelChildren(1);
        String parentId = startParent(List.of("research_part", "research_part", "research_part"));
        assertEquals(1, harness.queued().size());

        harness.server().status(400, Map.of(), ai.mozaiks.models.Chunks.error(400, "invalid_request_error", "The request was refused."));
        assertTrue(harness.deliverNext() instanceof StepOutcome.Failed, "a refused model call fails the child");
        assertTrue(harness.queued().isEmpty(), "nothing else starts");
        assertEquals(List.of("failed", "skipped", "skipped"), harness.runs().get(0).getList("children", Document.class).stream()
                .map(child -> child.getString("status")).toList());
        assertEquals("failed", harness.status(parentId));
        assertEquals("failed", harness.runs().get(0).getString("status"));
        ChatEvent error = harness.events(parentId, "chat.error").get(0);
        assertEquals("CHILDREN_FAILED", error.data().get("error_code"));
        List<ChatEvent> ends = harness.events(parentId, "chat.run_complete");
        assertEquals(List.of("failed"), ends.stream().map(event -> event.data().get("status")).toList());
    }

    @Test
    void aWorkflowTheAppMayNotRunFailsAtOnceAndTheOthersStillRun() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD);
        String parentId = startParent(List.of("no_such_workflow", "research_part"));

        Document refused = harness.runs().get(0).getList("children", Document.class).get(0);
        assertEquals("failed", refused.getString("status"));
        assertEquals("The app has no workflow named no_such_workflow.", refused.getString("reason"));
        assertEquals(List.of("The app has no workflow named no_such_workflow."),
                harness.events(parentId, "chat.workflow_batch_started").get(0).data().get("refused"), "the parent is told why");
        assertEquals(1, harness.queued().size(), "only the workflow it may run starts");
        runsToCompletion(parentId, "Finding 1", "Merged what there is.");
        ChatEvent resumed = harness.events(parentId, "chat.workflow_resumed").get(0);
        assertEquals(1, ((Number) resumed.data().get("failed_count")).intValue());
    }

    @Test
    void aTierWithoutChildWorkflowsRunsNoneAndTheParentGoesOn() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD).parallelChildren(0);
        String parentId = startParent(List.of("research_part", "research_part"));

        assertEquals(List.of("failed", "failed"), harness.runs().get(0).getList("children", Document.class).stream()
                .map(child -> child.getString("status")).toList());
        assertEquals("running", harness.status(parentId), "the parent resumes with nothing");
        runsToCompletion(parentId, "Nothing came back.");
    }

    @Test
    void anAppThatSpentItsMonthlyBudgetStartsNoChildren() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD);
        harness.replies(selection(List.of("research_part")));
        String parentId = harness.startChat("research_split");
        // The pro tier's 5,000,000 tokens, spent this month, in the app's month counter (the Planner's call will add to it).
        java.util.Date month = java.util.Date.from(ai.mozaiks.persistence.EmbeddedMongoFixture.START);
        ai.mozaiks.persistence.EmbeddedMongoFixture.await(harness.fixture().rawDatabase("mozaiks_runtime").getCollection("usage_months")
                .updateOne(new Document("_id", "app-acceptance:2025-01"), com.mongodb.client.model.Updates.combine(
                        com.mongodb.client.model.Updates.inc("total_tokens", 5_000_000L),
                        com.mongodb.client.model.Updates.setOnInsert("app_id", "app-acceptance"),
                        com.mongodb.client.model.Updates.setOnInsert("month", month),
                        com.mongodb.client.model.Updates.setOnInsert("since", month),
                        com.mongodb.client.model.Updates.setOnInsert("seeded", true)),
                        new com.mongodb.client.model.UpdateOptions().upsert(true)));
        assertTrue(harness.deliverNext() instanceof StepOutcome.AwaitingChildren);

        Document child = harness.runs().get(0).getList("children", Document.class).get(0);
        assertEquals("failed", child.getString("status"));
        assertTrue(child.getString("reason").contains("monthly token budget"), child.getString("reason"));
        assertEquals("running", harness.status(parentId), "the parent goes on without children");
    }

    @Test
    void cancellingAWaitingParentStopsItsChildren() {
        harness = EngineHarness.start(EngineHarness.Provider.OPENAI_COMPATIBLE, parent("resume_with_available"), CHILD).parallelChildren(1);
        String parentId = startParent(List.of("research_part", "research_part"));
        assertEquals("cancelled", harness.cancel(parentId).status().wire());

        List<String> actions = harness.reconcile();
        assertEquals(1, actions.size());
        assertTrue(actions.get(0).startsWith("fan_out_cancelled "));
        List<Document> children = harness.runs().get(0).getList("children", Document.class);
        assertEquals("skipped", children.get(1).getString("status"));
        assertTrue(harness.chat(children.get(0).getString("chat_id")).getBoolean("cancel_requested", false));
        harness.deliverAll();
        assertEquals("cancelled", harness.status(children.get(0).getString("chat_id")));
        assertEquals("cancelled", harness.runs().get(0).getString("status"));
        assertEquals(List.of(), harness.events(parentId, "chat.workflow_resumed").stream().map(ChatEvent::type).toList());
        assertEquals(new ArrayList<>(), harness.reconcile());
    }
}
