package ai.mozaiks.tenancy;

/** A workflow an app can see: from the platform catalog or from a pack the app published. */
public record WorkflowEntry(String name, String packId, Source source, String packVersion) {
    public enum Source { PLATFORM, APP }
}
