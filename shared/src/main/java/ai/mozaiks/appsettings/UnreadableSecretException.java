package ai.mozaiks.appsettings;

/**
 * A stored secret that does not open: sealed under another key, or changed at rest. Its chat fails with a step
 * error rather than run without (or with a guess at) the value; the message names the setting, never a value.
 */
public final class UnreadableSecretException extends IllegalStateException {
    public UnreadableSecretException(String name) {
        super("the app setting " + name + " could not be read");
    }
}
