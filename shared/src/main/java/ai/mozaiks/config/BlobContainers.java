package ai.mozaiks.config;

import java.util.List;

/** The blob containers the platform keeps app data in; every blob of an app sits under {@code <app_id>/}. */
public record BlobContainers(String archives, String packs) {

    public List<String> all() {
        return List.of(archives, packs);
    }
}
