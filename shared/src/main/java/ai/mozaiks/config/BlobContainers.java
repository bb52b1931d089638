package ai.mozaiks.config;

import java.util.List;

/**
 * The blob containers the platform keeps app data in (chat transcripts, pack files, chats' large payloads); every blob
 * of an app sits under {@code <app_id>/}, which the app's purge empties in each.
 */
public record BlobContainers(String archives, String packs, String payloads) {

    public List<String> all() {
        return List.of(archives, packs, payloads);
    }
}
