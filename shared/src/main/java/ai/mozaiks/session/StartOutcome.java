package ai.mozaiks.session;

/** What a start did: made a new chat, or found the one this request (or chat id) already names. */
public enum StartOutcome {
    CREATED("created"),
    RESUMED("resumed");

    private final String wire;

    StartOutcome(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
