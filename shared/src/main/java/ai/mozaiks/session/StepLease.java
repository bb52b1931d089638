package ai.mozaiks.session;

/** Who holds a chat for one step: the step's {@code step_seq} and the attempt's owner id ({@code lease_owner}). */
public record StepLease(String chatId, long stepSeq, String owner) {
}
