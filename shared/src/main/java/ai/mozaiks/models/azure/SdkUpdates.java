package ai.mozaiks.models.azure;

import ai.mozaiks.models.FinishReason;
import ai.mozaiks.models.ModelEvent;
import ai.mozaiks.models.ResponseAssembler;
import ai.mozaiks.models.Usage;
import com.azure.ai.openai.models.ChatChoice;
import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsFunctionToolCall;
import com.azure.ai.openai.models.ChatCompletionsToolCall;
import com.azure.ai.openai.models.ChatResponseMessage;
import com.azure.ai.openai.models.CompletionsUsage;
import java.util.ArrayList;
import java.util.List;

/**
 * The SDK's streamed updates as events. The SDK drops the {@code index} of streamed tool calls, so
 * calls are told apart by id: a piece with a new id starts the next call, a piece without one
 * continues the current call. That matches how OpenAI and Azure stream parallel calls (one after
 * the other); fragments of two calls interleaved would be mixed up.
 */
final class SdkUpdates {
    private final ResponseAssembler assembler;
    private final List<String> callIds = new ArrayList<>();

    SdkUpdates(ResponseAssembler assembler) {
        this.assembler = assembler;
    }

    List<ModelEvent> read(ChatCompletions update) {
        assembler.model(update.getModel());
        List<ModelEvent> events = new ArrayList<>(2);
        if (update.getChoices() != null) {
            for (ChatChoice choice : update.getChoices()) {
                if (choice.getIndex() == 0) {
                    read(choice, events);
                }
            }
        }
        CompletionsUsage usage = update.getUsage();
        if (usage != null) {
            Integer cached = usage.getPromptTokensDetails() == null ? null : usage.getPromptTokensDetails().getCachedTokens();
            assembler.usage(Usage.reported(usage.getPromptTokens(), usage.getCompletionTokens(), usage.getTotalTokens(),
                    cached == null ? null : Math.min(cached, usage.getPromptTokens())));
        }
        return events;
    }

    private void read(ChatChoice choice, List<ModelEvent> events) {
        ChatResponseMessage delta = choice.getDelta();
        if (delta != null) {
            if (delta.getContent() != null && !delta.getContent().isEmpty()) {
                events.add(assembler.text(delta.getContent()));
            }
            if (delta.getToolCalls() != null) {
                for (ChatCompletionsToolCall call : delta.getToolCalls()) {
                    if (call instanceof ChatCompletionsFunctionToolCall function) {
                        events.add(toolCall(function));
                    }
                }
            }
        }
        if (choice.getFinishReason() != null) {
            assembler.finish(FinishReason.fromWire(choice.getFinishReason().toString()));
        }
    }

    private ModelEvent toolCall(ChatCompletionsFunctionToolCall call) {
        String id = call.getId();
        if (id != null && !id.isEmpty() && !callIds.contains(id)) {
            callIds.add(id);
        }
        int index = id != null && !id.isEmpty() ? callIds.indexOf(id) : Math.max(callIds.size() - 1, 0);
        String name = call.getFunction() == null ? null : call.getFunction().getName();
        String arguments = call.getFunction() == null ? null : call.getFunction().getArguments();
        return assembler.toolCall(index, id, name, arguments);
    }
}
