package ai.mozaiks.models;

import java.util.Objects;

/**
 * A finished reply.
 *
 * @param model the model that answered as the provider reported it (for pricing), else the one asked for
 */
public record ModelResponse(AssistantMessage message, FinishReason finishReason, Usage usage, String model) {
    public ModelResponse {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(model, "model");
    }
}
