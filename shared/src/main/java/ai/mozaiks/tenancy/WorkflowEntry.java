package ai.mozaiks.tenancy;

/**
 * A workflow an app can name: where it comes from, the version a chat of it runs ({@code ref}: {@value #PLATFORM_REF} or
 * the id of the pack version), and whether the app has its pack enabled (for a pack of the app's, that version: the one
 * enabling pinned).
 */
public record WorkflowEntry(String name, String packId, Source source, String packVersion, String ref, boolean enabled) {
    /** The ref of a platform workflow: the platform's own files, as deployed. */
    public static final String PLATFORM_REF = "platform";

    public enum Source { PLATFORM, APP }

    /** A workflow of the platform's own packs. */
    public static WorkflowEntry platform(String name, String packId, boolean enabled) {
        return new WorkflowEntry(name, packId, Source.PLATFORM, null, PLATFORM_REF, enabled);
    }
}
