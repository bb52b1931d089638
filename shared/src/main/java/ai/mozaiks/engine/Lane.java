package ai.mozaiks.engine;

/**
 * Which step queue a step waits on. Someone watches an interactive step (a user's chat, a parent being resumed);
 * nobody waits on a background one (a child workflow's turns), so background steps yield to interactive ones.
 */
public enum Lane {
    INTERACTIVE("interactive"),
    BACKGROUND("background");

    private final String wire;

    Lane(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Lane fromWire(String value) {
        for (Lane lane : values()) {
            if (lane.wire.equals(value)) {
                return lane;
            }
        }
        throw new IllegalArgumentException("unknown lane: " + value);
    }
}
