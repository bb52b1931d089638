package ai.mozaiks.session;

import java.util.List;

/**
 * Events after a seq, in order. Continue with {@code after_seq = nextAfterSeq}: every seq up to
 * it has been accounted for, so resuming from it loses and repeats nothing. {@code more} says the
 * caller may find more right away (the page was full, or an append still in flight held it back).
 */
public record EventPage(List<ChatEvent> events, long nextAfterSeq, boolean more) {
    public EventPage {
        events = List.copyOf(events);
    }
}
