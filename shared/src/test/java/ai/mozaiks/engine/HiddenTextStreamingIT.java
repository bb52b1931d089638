package ai.mozaiks.engine;

import static ai.mozaiks.persistence.EmbeddedMongoFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.kernel.AppId;
import ai.mozaiks.models.Chunks;
import ai.mozaiks.models.FakeChatServer;
import ai.mozaiks.models.openai.OpenAiCompatibleModel;
import ai.mozaiks.models.openai.OpenAiCompatibleSettings;
import ai.mozaiks.persistence.EmbeddedMongoFixture;
import ai.mozaiks.realtime.RecordingFeed;
import ai.mozaiks.session.ChatEvent;
import ai.mozaiks.session.ChatSessions;
import ai.mozaiks.session.ChatStatus;
import ai.mozaiks.session.EventLog;
import ai.mozaiks.session.NewChat;
import ai.mozaiks.workflows.Manifests;
import ai.mozaiks.workflows.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code ui_hidden} sentinel streamed by a real model client, piece by piece and slower than the delta interval (so
 * each piece would go out on its own): none of it reaches the feed the realtime service sends to clients, while a
 * reply that merely starts like the sentinel goes out in full.
 */
class HiddenTextStreamingIT {
    private static final AppId APP = AppId.of("app-hidden-text");
    private static final String SENTINEL = "READY_FOR_RESEARCH";
    /** Pieces arrive further apart than {@link EngineSettings#DEFAULT_DELTA_INTERVAL}: each would be a delta of its own. */
    private static final Duration GAP = EngineSettings.DEFAULT_DELTA_INTERVAL.multipliedBy(2);
    private static final Workflow WORKFLOW = Manifests.of("max_turns: 10\nhuman_in_the_loop: true\ninitial_message: Research tides.\n")
            .with("context_variables.yaml", Manifests.ReviewLoop.CONTEXT.replace("equals: NEXT", "equals: " + SENTINEL))
            .with("handoffs.yaml", Manifests.ReviewLoop.HANDOFFS).load();

    private EmbeddedMongoFixture fixture;
    private EventLog log;
    private final RecordingFeed feed = new RecordingFeed();

    @BeforeEach
    void start() {
        fixture = EmbeddedMongoFixture.start();
        log = new EventLog(fixture.appDatabases(), fixture.clock());
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private static void streams(FakeChatServer server, String... pieces) {
        List<String> events = new ArrayList<>(List.of(Chunks.role()));
        for (String piece : pieces) {
            events.add(Chunks.text(piece));
        }
        events.add(Chunks.finish("stop"));
        server.reply(new FakeChatServer.SlowSse(events, GAP));
    }

    private StepOutcome step(FakeChatServer server, String chatId, long seq) {
        StepExecutor executor = new StepExecutor(fixture.appDatabases(), log, feed,
                new OpenAiCompatibleModel(OpenAiCompatibleSettings.openAi(server.baseUrl(), null)), ToolRegistry.of(Map.of()),
                ChatWorkflows.platform(name -> "demo".equals(name) ? Optional.of(WORKFLOW) : Optional.empty()), fixture.clock(),
                EngineSettings.defaults("gpt-4o"), StepHooks.NONE);
        return await(executor.run(new StepMessage(APP, chatId, seq)));
    }

    private String newChat() {
        return await(new ChatSessions(fixture.appDatabases(), fixture.clock())
                .start(APP, new NewChat("user-1", "demo", null, ChatStatus.RUNNING))).chat().chatId();
    }

    private List<String> deltas(String chatId, String agent) {
        return feed.sent().stream().filter(sent -> sent.isDelta() && sent.chatId().equals(chatId) && sent.agent().equals(agent))
                .map(RecordingFeed.Sent::delta).toList();
    }

    private List<ChatEvent> texts(String chatId, String agent) {
        return await(log.read(APP, chatId, 0, 500)).events().stream()
                .filter(event -> event.type().equals("chat.text") && agent.equals(event.data().get("agent"))).toList();
    }

    @Test
    void theSentinelStreamsInNoDeltaWhileTheNextAgentStreamsAsBefore() throws Exception {
        try (FakeChatServer server = FakeChatServer.http()) {
            streams(server, "\nREA", "DY_FOR", "_RES", "EARCH", " \n");
            streams(server, "APPROVED", ", a fine", " draft.");
            String chatId = newChat();

            assertTrue(step(server, chatId, 0) instanceof StepOutcome.Next, "the sentinel hands over to the Reviewer");
            assertEquals(new StepOutcome.Completed("terminate"), step(server, chatId, 1));

            assertEquals(List.of(), deltas(chatId, "Writer"), "no piece of the hidden message went out");
            assertFalse(feed.sent().stream().anyMatch(sent -> sent.isDelta() && sent.delta().contains(SENTINEL)));
            assertEquals("APPROVED, a fine draft.", String.join("", deltas(chatId, "Reviewer")));
            ChatEvent hidden = texts(chatId, "Writer").get(0);
            assertEquals("\n" + SENTINEL + " \n", hidden.data().get("content"));
            assertEquals(true, hidden.data().get("hidden"), "the stored message is hidden as before");
        }
    }

    @Test
    void aReplyThatOnlyStartsLikeTheSentinelStreamsInFull() throws Exception {
        String reply = SENTINEL + "? Not yet: how deep should it go?";
        try (FakeChatServer server = FakeChatServer.http()) {
            streams(server, "READY", "_FOR_", "RESEARCH", "? Not yet: ", "how deep should it go?");
            String chatId = newChat();

            assertEquals(new StepOutcome.AwaitingInput("handoff"), step(server, chatId, 0), "no sentinel: back to the user");

            List<String> deltas = deltas(chatId, "Writer");
            assertEquals(reply, String.join("", deltas));
            assertTrue(deltas.get(0).startsWith(SENTINEL + "?"), "the held start went out with the piece that settled it: " + deltas);
            assertEquals(false, texts(chatId, "Writer").get(0).data().get("hidden"));
        }
    }

    @Test
    void theFirstVisiblePieceGoesOutAtOnceAndTheRestIsGathered() throws Exception {
        List<String> pieces = List.of("Which", " coast", " should", " the", " research", " cover", "?");
        try (FakeChatServer server = FakeChatServer.http()) {
            List<String> events = new ArrayList<>(List.of(Chunks.role()));
            pieces.forEach(piece -> events.add(Chunks.text(piece)));
            events.add(Chunks.finish("stop"));
            // Far closer together than the delta interval: gathered, but for the first, which is what the user waits for.
            server.reply(new FakeChatServer.SlowSse(events, Duration.ofMillis(5)));
            String chatId = newChat();

            assertEquals(new StepOutcome.AwaitingInput("handoff"), step(server, chatId, 0));

            List<String> deltas = deltas(chatId, "Writer");
            assertEquals("Which", deltas.get(0), "the first piece alone, not held for the interval: " + deltas);
            assertTrue(deltas.size() < pieces.size(), "the rest gathered: " + deltas);
            assertEquals(String.join("", pieces), String.join("", deltas));
        }
    }
}
