package ai.mozaiks.engine;

import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventRecorder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The model calls of a turn: the speaker selection, and an agent's reply streamed through {@link ChatModel#stream}
 * with its text sent live as {@code chat.text_delta}, gathered per {@link EngineSettings#deltaInterval()}.
 */
final class AgentReplies {
    /** Pieces gathered into one delta at most, whatever the interval: bounds a message's size. */
    private static final int MAX_DELTA_PARTS = 512;

    private final ChatModel model;
    private final RequestBuilder requests;
    private final UsageLedger ledger;
    private final TurnPlanner planner;
    private final EventRecorder recorder;
    private final EngineSettings settings;

    AgentReplies(ChatModel model, RequestBuilder requests, UsageLedger ledger, TurnPlanner planner, EventRecorder recorder,
                 EngineSettings settings) {
        this.model = model;
        this.requests = requests;
        this.ledger = ledger;
        this.planner = planner;
        this.recorder = recorder;
        this.settings = settings;
    }

    /** Asks the model which agent speaks; its usage is an event of the turn. */
    Mono<Decision> selectSpeaker(Turn turn, Decision.SelectSpeaker select) {
        ModelRequest request = requests.speakerSelection(turn.workflow, select.candidates(), turn.state, turn.requestId() + ":select");
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return model.complete(request).map(response -> {
                turn.event(EventKind.USAGE_DELTA, ledger.eventData(RequestBuilder.SPEAKER_SELECTOR, response, millisSince(started)));
                return planner.resolve(turn.workflow, turn.state,
                        TurnPlanner.parseSelection(response.message().text(), select.candidates()));
            });
        });
    }

    /** The agent's reply from the model, its text streamed live meanwhile. */
    Mono<Reply> call(Turn turn, String agent) {
        ModelRequest request = requests.build(turn.workflow, agent, turn.state, turn.requestId());
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return model.stream(request)
                    .publish(stream -> Mono.zip(stream.ofType(ModelEvent.Completed.class).last(),
                            streamDeltas(turn, agent, stream.ofType(ModelEvent.TextDelta.class))))
                    .single()
                    .map(done -> new Reply(done.getT1().response().message().withName(agent),
                            ledger.eventData(agent, done.getT1().response(), millisSince(started))));
        });
    }

    /**
     * Sends the reply's text as it streams, gathered per {@link EngineSettings#deltaInterval()}; completes (with
     * {@code true}, for the zip) once the last piece is out, so live deltas always come before the stored text. For an
     * agent whose message a {@code ui_hidden} trigger may hide, text that could still be such a message is held back
     * ({@link HiddenTextHold}): a hidden message never streams.
     */
    private Mono<Boolean> streamDeltas(Turn turn, String agent, Flux<ModelEvent.TextDelta> deltas) {
        Flux<String> text = deltas.map(ModelEvent.TextDelta::text);
        Flux<String> visible = HiddenTextHold.forAgent(turn.workflow, agent)
                .map(hold -> text.map(hold::accept).concatWith(Mono.fromSupplier(hold::finish)).filter(piece -> !piece.isEmpty()))
                .orElse(text);
        return visible
                .bufferTimeout(MAX_DELTA_PARTS, settings.deltaInterval(), true)
                .concatMap(parts -> recorder.delta(turn.message.appId(), turn.message.chatId(), agent, String.join("", parts)))
                .then(Mono.just(true));
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
