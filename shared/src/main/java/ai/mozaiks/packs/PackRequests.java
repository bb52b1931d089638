package ai.mozaiks.packs;

import ai.mozaiks.api.Validation;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Request bodies of the packs API. */
public final class PackRequests {
    static final int MAX_FILES = 200;
    static final int MAX_BUNDLE_BYTES = 2 * 1024 * 1024;
    static final String ID = "[a-z0-9][a-z0-9_-]{0,63}";
    static final String VERSION = "\\d{1,6}\\.\\d{1,6}\\.\\d{1,6}";

    private PackRequests() {
    }

    /**
     * A pack published by an app: its workflows' manifest files by path
     * ({@code <workflow>/<file>.yaml}, and a workflow's fan-outs in {@code <workflow>/_pack/workflow_graph.json}), as text.
     */
    public record PublishPack(String id, String version, Map<String, String> files) {
        public void validate() {
            Validation validation = new Validation();
            validation.require(id != null && id.matches(ID), "id", "must be 1-64 lower-case letters, digits, '_' or '-'");
            validation.require(version != null && version.matches(VERSION), "version", "must be a version like 1.0.0");
            if (files == null || files.isEmpty()) {
                validation.error("files", "must hold the manifest files of at least one workflow");
            } else {
                validation.require(files.size() <= MAX_FILES, "files", "may hold at most " + MAX_FILES + " files");
                long bytes = 0;
                for (Map.Entry<String, String> file : files.entrySet()) {
                    String path = file.getKey();
                    if (!path.matches("[A-Za-z0-9_]{1,64}/([A-Za-z0-9_.-]{1,64}\\.ya?ml|_pack/workflow_graph\\.json)")) {
                        validation.error("files." + path, "must be <workflow>/<file>.yaml or <workflow>/_pack/workflow_graph.json");
                    }
                    if (file.getValue() == null) {
                        validation.error("files." + path, "must be the file's text");
                        continue;
                    }
                    bytes += file.getValue().getBytes(StandardCharsets.UTF_8).length;
                }
                validation.require(bytes <= MAX_BUNDLE_BYTES, "files", "may hold at most " + MAX_BUNDLE_BYTES + " bytes in all");
            }
            validation.check();
        }
    }

    /** Turns a pack on or off for an app; {@code version} pins an app-published pack's version. */
    public record SetPack(Boolean enabled, String version) {
        public void validate() {
            new Validation().require(enabled != null, "enabled", "is required")
                    .require(version == null || version.matches(VERSION), "version", "must be a version like 1.0.0").check();
        }
    }
}
