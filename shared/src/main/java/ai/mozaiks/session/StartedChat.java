package ai.mozaiks.session;

/** The answer to a start or resume: the chat, and whether it was created or resumed. */
public record StartedChat(ChatSession chat, StartOutcome outcome) {
}
