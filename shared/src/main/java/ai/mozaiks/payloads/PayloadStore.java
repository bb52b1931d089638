package ai.mozaiks.payloads;

import ai.mozaiks.config.BlobContainers;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.storage.StorageClients;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobServiceAsyncClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;

/**
 * Large chat payloads (a UI tool's answer, a tool's result) kept whole in one blob container, so the chat's documents
 * only carry a bounded summary of them ({@link Stored#summary}) and stay far under Cosmos DB's 2 MB item limit.
 *
 * <p>A payload's blob is {@code <app_id>/<chat_id>/<payload_id>}, and its id is made from a stable id of what it
 * belongs to (the UI tool call, the step and tool call) and a digest of its content. A retried request or a redelivered
 * step therefore writes the same bytes to the same blob, and a write never replaces a payload a document already refers
 * to. The blob is written before any document refers to it; a payload whose writer died before that is an orphan the
 * app's purge removes with the rest of its prefix.
 */
public final class PayloadStore {
    /** The characters of a payload a document keeps as its preview. */
    public static final int PREVIEW_CHARS = 16 * 1024;
    /** Payload ids: a kind, the stable id and the digest, joined by '-'; nothing that could leave the chat's prefix. */
    private static final Pattern PAYLOAD_ID = Pattern.compile("[a-z]+-[A-Za-z0-9_.\\-]{1,200}-[0-9a-f]{32}");
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,159}");
    private static final Duration CREATED_FOR = Duration.ofDays(36500);

    private final BlobContainerAsyncClient container;
    /** The container is created once per process, on the first write; a failed attempt is tried again on the next. */
    private final Mono<Void> created;

    public PayloadStore(BlobServiceAsyncClient blobs, String containerName) {
        this.container = blobs.getBlobContainerAsyncClient(containerName);
        this.created = Mono.defer(container::createIfNotExists).then()
                .cache(ignored -> CREATED_FOR, failure -> Duration.ZERO, () -> CREATED_FOR);
    }

    /** The store in the platform storage account's payloads container. */
    public static PayloadStore of(StorageClients storage, BlobContainers containers) {
        return new PayloadStore(storage.blobs(), containers.payloads());
    }

    /** A payload as stored: its id (the reference documents carry), its length in characters and its preview. */
    public record Stored(String payloadId, int chars, String preview) {

        /** What a document keeps of the payload: the preview, the full size and the reference. */
        public Map<String, Object> summary() {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("payload_id", payloadId);
            summary.put("chars", chars);
            summary.put("preview", preview);
            summary.put("truncated", true);
            return summary;
        }
    }

    /**
     * Writes {@code content} whole, as the payload of {@code kind} (letters) for {@code stableId} in the chat; answers
     * what documents keep of it. Writing the same content again is harmless: same blob, same bytes.
     */
    public Mono<Stored> put(AppId appId, String chatId, String kind, String stableId, String content) {
        return Mono.defer(() -> {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            String payloadId = payloadId(kind, stableId, bytes);
            BlobParallelUploadOptions options = new BlobParallelUploadOptions(BinaryData.fromBytes(bytes))
                    .setHeaders(new BlobHttpHeaders().setContentType("text/plain; charset=utf-8"));
            return created.then(container.getBlobAsyncClient(blobName(appId, chatId, payloadId)).uploadWithResponse(options))
                    .thenReturn(new Stored(payloadId, content.length(), preview(content, PREVIEW_CHARS)));
        });
    }

    /** The id {@link #put} gives this content: the same for the same content, whatever the attempt. */
    public static String payloadId(String kind, String stableId, String content) {
        return payloadId(kind, stableId, content.getBytes(StandardCharsets.UTF_8));
    }

    private static String payloadId(String kind, String stableId, byte[] bytes) {
        return kind + "-" + safe(stableId) + "-" + digest(bytes).substring(0, 32);
    }

    /**
     * A payload of the chat, whole; empty when the chat has none by that id (an id of another chat or app names a
     * blob under another prefix, so it is never found here).
     */
    public Mono<String> read(AppId appId, String chatId, String payloadId) {
        if (payloadId == null || !PAYLOAD_ID.matcher(payloadId).matches() || chatId == null || !SAFE_ID.matcher(chatId).matches()) {
            return Mono.empty();
        }
        return container.getBlobAsyncClient(blobName(appId, chatId, payloadId)).downloadContent()
                .map(data -> new String(data.toBytes(), StandardCharsets.UTF_8))
                .onErrorResume(BlobStorageException.class, e -> e.getErrorCode() == BlobErrorCode.BLOB_NOT_FOUND
                        || e.getErrorCode() == BlobErrorCode.CONTAINER_NOT_FOUND ? Mono.empty() : Mono.error(e));
    }

    /** The container's name, for the app purge (every blob of an app sits under {@code <app_id>/}). */
    public String containerName() {
        return container.getBlobContainerName();
    }

    /** The first {@code max} characters of {@code text}, never splitting a surrogate pair. */
    public static String preview(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end);
    }

    static String blobName(AppId appId, String chatId, String payloadId) {
        if (chatId == null || !SAFE_ID.matcher(chatId).matches()) {
            throw new IllegalArgumentException("not a chat id: " + chatId);
        }
        return appId.value() + "/" + chatId + "/" + payloadId;
    }

    /** A stable id as it can appear in a blob name: itself when plain, its digest otherwise (a model's call ids vary). */
    static String safe(String stableId) {
        return SAFE_ID.matcher(stableId).matches() ? stableId
                : digest(stableId.getBytes(StandardCharsets.UTF_8)).substring(0, 40);
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
