package ai.mozaiks.session;

/**
 * One appended event. {@code duplicate} is true when the key was already in the log: the event
 * returned is the stored one (with its original seq), and nothing new was written.
 */
public record Appended(ChatEvent event, boolean duplicate) {
}
