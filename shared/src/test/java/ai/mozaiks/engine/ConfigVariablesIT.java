package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static com.mongodb.client.model.Filters.eq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.mozaiks.appsettings.UnreadableSecretException;
import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.models.offline.OfflineModel;
import ai.mozaiks.models.offline.OfflineScript;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.workflows.Manifests.ReviewLoop;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** When a chat's {@code config} variables are looked up, with what, and what a lookup failure does. */
class ConfigVariablesIT {
    private static final AppId APP = AppId.of("app-config");
    private static final String TONE = """
            - name: tone
              type: string
              source: {type: config, env_var: TONE, default: plain}
            """;

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final List<ModelRequest> modelRequests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private static Workflow workflow(boolean withConfig) {
        String context = withConfig
                ? ReviewLoop.CONTEXT.replace("definitions:\n", "definitions:\n" + TONE)
                        .replace("variables: [draft_ready]", "variables: [draft_ready, tone]")
                : ReviewLoop.CONTEXT;
        return Manifests.of("max_turns: 10\ninitial_message: Write about tides.\n")
                .with("context_variables.yaml", context).with("handoffs.yaml", ReviewLoop.HANDOFFS)
                .with("tools.yaml", ReviewLoop.TOOLS).load();
    }

    private StepExecutor executor(Workflow workflow, ContextConfig config) {
        OfflineModel offline = new OfflineModel(OfflineScript.parse(ReviewLoop.SCRIPT));
        ChatModel recording = request -> {
            modelRequests.add(request);
            return offline.stream(request);
        };
        ToolRegistry tools = ToolRegistry.of(Map.of("com.example.Lookup", invocation -> Mono.just(
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode("a tide"))));
        EngineSettings settings = new EngineSettings("gpt-4o", Duration.ofMinutes(2), Duration.ofSeconds(5),
                ConversationState.DEFAULT_WINDOW, "engine", config, EngineSettings.DEFAULT_DELTA_INTERVAL);
        return new StepExecutor(fixture.appDatabases(), log, new RecordingFeed(), recording, tools,
                ChatWorkflows.platform(name -> Optional.of(workflow)), fixture.clock(), settings, StepHooks.NONE);
    }

    /** Records each lookup; answers {@code values}. */
    private ContextConfig recording(Map<String, String> values) {
        return (appId, platformWorkflow, keys) -> {
            asked.add(appId.value() + " " + platformWorkflow + " " + keys);
            return Mono.just(values);
        };
    }

    private String newChat() {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
    }

    private List<StepOutcome> runToEnd(StepExecutor executor, String chatId) {
        List<StepOutcome> outcomes = new ArrayList<>();
        long seq = 0;
        while (true) {
            StepOutcome outcome = await(executor.run(new StepMessage(APP, chatId, seq)));
            outcomes.add(outcome);
            if (!(outcome instanceof StepOutcome.Next next)) {
                return outcomes;
            }
            seq = next.stepSeq();
        }
    }

    @Test
    void aWorkflowWithoutConfigVariablesNeverAsks() {
        runToEnd(executor(workflow(false), recording(Map.of("TONE", "x"))), newChat());
        assertEquals(List.of(), asked, "no lookup, so no read of the app's settings");
    }

    @Test
    void aWorkflowWithAConfigVariableAsksOnceForTheWholeChatAndItsAgentSeesTheValue() {
        String chat = newChat();
        List<StepOutcome> outcomes = runToEnd(executor(workflow(true), recording(Map.of("TONE", "formal"))), chat);

        assertEquals(new StepOutcome.Completed("terminate"), outcomes.get(outcomes.size() - 1));
        assertEquals(List.of("app-config true [TONE]"), asked, "once, at the chat's start, for its keys only");
        assertEquals(3, outcomes.size(), "over three steps");
        String system = modelRequests.get(0).messages().get(0).toString();
        assertEquals(true, system.contains("tone: formal"), system);
        Document conversation = await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .find(eq("chat_id", chat)).first()).get("conversation", Document.class);
        assertEquals("formal", conversation.get("variables", Document.class).getString("tone"));
    }

    @Test
    void aSecretThatDoesNotOpenFailsTheChatBeforeAnyModelCall() {
        String chat = newChat();
        AtomicInteger calls = new AtomicInteger();
        ContextConfig unreadable = (appId, platformWorkflow, keys) -> {
            calls.incrementAndGet();
            return Mono.error(new UnreadableSecretException("TONE"));
        };
        List<StepOutcome> outcomes = runToEnd(executor(workflow(true), unreadable), chat);

        assertEquals(List.of(new StepOutcome.Failed("the app setting TONE could not be read")), outcomes);
        assertEquals(1, calls.get());
        assertEquals(List.of(), modelRequests, "the model is never called");
        List<ChatEvent> events = await(log.read(APP, chat, 0, 100)).events();
        assertEquals(List.of("chat.error", "chat.run_complete"), events.stream().map(ChatEvent::type).toList());
        assertEquals("failed", await(fixture.rawDatabase(EmbeddedMongoFixture.SHARED_RUNTIME_DB).getCollection("chat_sessions")
                .find(eq("chat_id", chat)).first()).getString("status"));
    }

    @Test
    void anAppsPackSeesOnlyTheAppsValuesThePlatformsWorkflowsAlsoTheAllowList() {
        ContextConfig config = ContextConfig.of((appId, keys) -> Mono.just(Map.of("SHARED", "app")),
                Map.of("MOZAIKS_RESEARCH_DEPTH", "deep", "SHARED", "platform"));
        Set<String> keys = Set.of("MOZAIKS_RESEARCH_DEPTH", "SHARED");
        assertEquals(Map.of("SHARED", "app"), config.values(APP, false, keys).block());
        assertEquals(Map.of("SHARED", "platform", "MOZAIKS_RESEARCH_DEPTH", "deep"), config.values(APP, true, keys).block(),
                "in the platform's workflows the deployment's allow-listed values win over the app's");
        assertFalse(config.values(APP, true, Set.of("SHARED")).block().containsKey("MOZAIKS_RESEARCH_DEPTH"), "only what is asked");
    }
}
