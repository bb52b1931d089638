package ai.mozaiks.engine;

import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ModelRequest;
import ai.mozaiks.session.EventKind;
import ai.mozaiks.session.EventRecorder;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The model calls of a turn: the speaker selection, and an agent's reply streamed through {@link ChatModel#stream}
 * with its text sent live as {@code chat.text_delta}, gathered per {@link EngineSettings#deltaInterval()}. Each call is
 * preceded by the app's monthly budget check ({@link MonthlyBudget}) and its complete response is recorded
 * ({@link ReplyJournal}) before the turn goes on; a redelivered step takes the recorded response instead of a call.
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
    private final ReplyJournal journal;
    private final MonthlyBudget budget;

    AgentReplies(ChatModel model, RequestBuilder requests, UsageLedger ledger, TurnPlanner planner, EventRecorder recorder,
                 EngineSettings settings, ReplyJournal journal, MonthlyBudget budget) {
        this.journal = journal;
        this.budget = budget;
        this.model = model;
        this.requests = requests;
        this.ledger = ledger;
        this.planner = planner;
        this.recorder = recorder;
        this.settings = settings;
    }

    /** Asks the model which agent speaks (or takes the recorded answer); its usage is an event of the turn. */
    Mono<Decision> selectSpeaker(Turn turn, Decision.SelectSpeaker select) {
        return ask(turn, RequestBuilder.SPEAKER_SELECTOR,
                () -> requests.speakerSelection(turn.workflow, select.candidates(), turn.state, turn.requestId() + ":select"))
                .map(answer -> planner.resolve(turn.workflow, turn.state, TurnPlanner.parseSelection(answer, select.candidates())));
    }

    /** Asks the model which of the user's {@code string_llm} conditions is met (or takes the recorded answer), as {@link #selectSpeaker}. */
    Mono<Decision> checkConditions(Turn turn, Decision.CheckConditions check) {
        return ask(turn, RequestBuilder.CONDITION_CHECKER,
                () -> requests.conditionCheck(turn.workflow, check.rules(), turn.state, turn.requestId() + ":select"))
                .map(answer -> planner.resolve(turn.workflow, turn.state, TurnPlanner.parseCondition(answer, check)));
    }

    /**
     * A routing question to the model, journaled under {@link ReplyJournal#SELECT} (a step asks at most one, so a redelivered
     * step reuses the answer); answers its text, its usage an event of the turn.
     */
    private Mono<String> ask(Turn turn, String asker, Supplier<ModelRequest> question) {
        Document recorded = turn.recordedReplies.get(ReplyJournal.SELECT);
        Mono<Document> answer = recorded != null ? Mono.just(recorded) : budget.check(turn).then(Mono.defer(() -> {
            long started = System.nanoTime();
            return model.complete(question.get()).flatMap(response -> journal.record(turn, ReplyJournal.SELECT, asker, response.message(),
                    ledger.eventData(asker, response, millisSince(started))));
        }));
        return answer.map(stored -> {
            Map<String, Object> usage = ReplyJournal.usage(stored);
            if (usage != null) {
                turn.event(EventKind.USAGE_DELTA, usage);
            }
            String text = ReplyJournal.text(stored);
            return text == null ? "" : text;
        });
    }

    /** The agent's reply from the model, its text streamed live meanwhile (or the reply an earlier attempt recorded). */
    Mono<Reply> call(Turn turn, String agent) {
        Document recorded = turn.recordedReplies.get(ReplyJournal.REPLY);
        if (recorded != null) {
            return Mono.just(ReplyJournal.reply(recorded, agent));
        }
        return budget.check(turn).then(Mono.defer(() -> {
            ModelRequest request = requests.build(turn.workflow, agent, turn.state, turn.requestId());
            long started = System.nanoTime();
            return model.stream(request)
                    .publish(stream -> Mono.zip(stream.ofType(ModelEvent.Completed.class).last(),
                            streamDeltas(turn, agent, stream.ofType(ModelEvent.TextDelta.class))))
                    .single()
                    .flatMap(done -> journal.record(turn, ReplyJournal.REPLY, agent, done.getT1().response().message(),
                            ledger.eventData(agent, done.getT1().response(), millisSince(started))));
        })).map(stored -> ReplyJournal.reply(stored, agent));
    }

    /**
     * Sends the reply's text as it streams: its first visible piece at once, the rest gathered per
     * {@link EngineSettings#deltaInterval()}; completes (with
     * {@code true}, for the zip) once the last piece is out, so live deltas always come before the stored text. For an
     * agent whose message a {@code ui_hidden} trigger may hide, text that could still be such a message is held back
     * ({@link HiddenTextHold}): a hidden message never streams.
     */
    private Mono<Boolean> streamDeltas(Turn turn, String agent, Flux<ModelEvent.TextDelta> deltas) {
        Flux<String> text = deltas.map(ModelEvent.TextDelta::text);
        Flux<String> visible = HiddenTextHold.forAgent(turn.workflow, agent)
                .map(hold -> text.map(hold::accept).concatWith(Mono.fromSupplier(hold::finish)).filter(piece -> !piece.isEmpty()))
                .orElse(text);
        // The first visible piece goes out at once (it is what a user waits for); the rest is gathered per interval.
        return visible
                .switchOnFirst((first, rest) -> first.hasValue()
                        ? rest.skip(1).bufferTimeout(MAX_DELTA_PARTS, settings.deltaInterval(), true).startWith(List.of(first.get()))
                        : rest.bufferTimeout(MAX_DELTA_PARTS, settings.deltaInterval(), true))
                .concatMap(parts -> recorder.delta(turn.message.appId(), turn.message.chatId(), agent, String.join("", parts)))
                .then(Mono.just(true));
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
