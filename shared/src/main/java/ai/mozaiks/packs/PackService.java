package ai.mozaiks.packs;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import ai.mozaiks.api.ApiException;
import ai.mozaiks.audit.AuditLog;
import ai.mozaiks.http.Problem;
import ai.mozaiks.identity.Principal;
import ai.mozaiks.tenancy.AppAccess;
import ai.mozaiks.journeys.PackGraph;
import ai.mozaiks.kernel.AppId;
import ai.mozaiks.tenancy.Entitlement;
import ai.mozaiks.tenancy.Entitlements;
import ai.mozaiks.tenancy.Role;
import ai.mozaiks.tenancy.Tier;
import ai.mozaiks.tenancy.Tiers;
import ai.mozaiks.tenancy.WorkflowDirectory;
import ai.mozaiks.workflows.WorkflowCatalog;
import ai.mozaiks.workflows.WorkflowIssue;
import ai.mozaiks.workflows.WorkflowLoadResult;
import ai.mozaiks.workflows.WorkflowLoader;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.bson.Document;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Packs an app publishes (validated, versioned and immutable per version; manifests in Blob
 * storage under {@code <app_id>/}, metadata in MongoDB), turning packs on and off per app, and the
 * app's view of what it offers, with the reason for anything unavailable.
 */
public final class PackService {
    /** The control plane's record of every pack version an app published. */
    public static final String COLLECTION = "packs";
    /** A published version whose files are all stored. */
    public static final String READY = "ready";
    /**
     * Oldest first on the full key of the collection's {@code app_state_created} index (app and state are pinned by
     * every query that sorts): Cosmos RU serves a sort only from an index with exactly its fields.
     */
    static final org.bson.conversions.Bson BY_AGE = Sorts.ascending("app_id", "state", "created_at");
    /** Newest first on the same key. */
    static final org.bson.conversions.Bson NEWEST_FIRST = Sorts.descending("app_id", "state", "created_at");

    private final WorkflowCatalog platform;
    private final PackGraph graph;
    private final WorkflowDirectory workflows;
    private final WorkflowLoader loader;
    private final MongoCollection<Document> packs;
    private final BlobContainerAsyncClient files;
    private final AppAccess apps;
    private final Entitlements entitlements;
    private final Tiers tiers;
    private final AuditLog audit;
    private final Clock clock;
    private final Consumer<AppId> packsChanged;

    /** {@code packsChanged}: told once an app's pack states changed, so what this instance keeps of them is read again. */
    public PackService(WorkflowCatalog platform, PackGraph graph, WorkflowDirectory workflows, WorkflowLoader loader,
                       MongoCollection<Document> packs, BlobContainerAsyncClient files, AppAccess apps, Entitlements entitlements,
                       Tiers tiers, AuditLog audit, Clock clock, Consumer<AppId> packsChanged) {
        this.platform = platform;
        this.graph = graph;
        this.workflows = workflows;
        this.loader = loader;
        this.packs = packs;
        this.files = files;
        this.apps = apps;
        this.entitlements = entitlements;
        this.tiers = tiers;
        this.audit = audit;
        this.clock = clock;
        this.packsChanged = packsChanged;
    }

    /**
     * {@code GET /api/apps/{app_id}/workflows}: each workflow with whether it can start and why not, and what must have
     * completed before it starts (the pack graph's prerequisites; checked per user at the start).
     */
    public Mono<List<WorkflowAvailability>> availability(Principal actor, String appId) {
        return apps.authorized(actor, appId, Role.BUILDER).flatMap(app -> workflows.list(AppId.of(appId), app.get("packs", Document.class)).map(entries -> entries.stream()
                .map(entry -> {
                    Optional<Entitlement> refusal = entitlements.availability(app, entry);
                    return new WorkflowAvailability(entry.name(), entry.packId(), entry.source().name().toLowerCase(),
                            entry.packVersion(), refusal.isEmpty(), refusal.map(r -> r.reason().wire()).orElse(null),
                            refusal.map(Entitlement::detail).orElse(null),
                            graph.prerequisites(entry.name()).stream().map(PackGraph.Prerequisite::workflow).toList());
                }).toList()));
    }

    /**
     * Validates every workflow of the bundle, stores the files, records the version; a version never changes. The
     * caller's role on the app is checked first: the manifests of a caller who may not publish are never parsed.
     */
    public Mono<Map<String, Object>> publish(Principal actor, String appId, PackRequests.PublishPack request) {
        String id = appId + ":" + request.id() + ":" + request.version();
        return apps.authorizedLive(actor, appId, Role.ADMIN)
                .flatMap(app -> {
                    Validated checked = validated(request, tiers.get(app.getString("tier")));
                    List<String> names = checked.workflows();
                    return claim(actor, appId, id, request, checked, digest(request.files()))
                            .flatMap(fresh -> store(appId, request)
                                    .then(Mono.from(packs.updateOne(eq("_id", id), Updates.set("state", READY))))
                                    .then(fresh ? audit.record(AuditLog.Actor.of(actor), "pack.publish", app.getString("tenant_id"), appId,
                                            "pack", id, null, new Document("pack_id", request.id()).append("version", request.version())
                                                    .append("workflows", names)) : Mono.empty()));
                })
                .then(Mono.defer(() -> Mono.from(packs.find(eq("_id", id)).first())))
                .map(PackService::view);
    }

    /**
     * Checks a pack as {@link #publish} would (the same validation, limits and reserved names, the same problem when it
     * fails) and stores, records and enables nothing: what the version would hold, with the validator's warnings.
     */
    public Mono<Map<String, Object>> check(Principal actor, String appId, PackRequests.PublishPack request) {
        return apps.authorizedLive(actor, appId, Role.ADMIN).map(app -> {
            Validated checked = validated(request, tiers.get(app.getString("tier")));
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("id", request.id());
            view.put("version", request.version());
            view.put("workflows", checked.workflows());
            view.put("warnings", checked.warnings());
            return view;
        });
    }

    /** Warnings kept with a version and answered, at most; the rest are counted (a pack of 2 MB could hold thousands). */
    static final int MAX_WARNINGS = 100;

    /** A bundle that loads: its workflows' names, and what the validator warned of (content it accepts but does not use). */
    private record Validated(List<String> workflows, List<Problem.FieldError> warnings) {
    }

    /**
     * The bundle once every workflow loads within the limits ({@link PackLimits}) of the app's tier. Refused, the problem
     * carries the warnings too, so a publisher sees at once everything the validator found.
     */
    private Validated validated(PackRequests.PublishPack request, Tier tier) {
        request.validate();
        if (!platform.pack(request.id()).isEmpty()) {
            throw ApiException.conflict("pack_id_reserved", "Pack id " + request.id() + " belongs to a platform pack.");
        }
        Map<String, Map<String, byte[]>> byWorkflow = new TreeMap<>();
        request.files().forEach((path, text) -> {
            String[] parts = path.split("/", 2);
            byWorkflow.computeIfAbsent(parts[0], name -> new LinkedHashMap<>()).put(parts[1], text.getBytes(StandardCharsets.UTF_8));
        });
        List<Problem.FieldError> errors = new ArrayList<>();
        List<Problem.FieldError> warnings = new ArrayList<>();
        for (Map.Entry<String, Map<String, byte[]>> workflow : byWorkflow.entrySet()) {
            WorkflowLoadResult result = loader.load(workflow.getKey(), workflow.getValue());
            result.report().errors().forEach(issue -> errors.add(fieldError(workflow.getKey(), issue)));
            result.report().warnings().forEach(issue -> warnings.add(fieldError(workflow.getKey(), issue)));
            result.workflow().ifPresent(loaded -> errors.addAll(PackLimits.check(loaded, tier)));
            if (platform.find(workflow.getKey()).isPresent()) {
                errors.add(new Problem.FieldError("files." + workflow.getKey(), "a platform workflow already has this name"));
            }
        }
        List<Problem.FieldError> shown = warnings.size() <= MAX_WARNINGS ? warnings : new ArrayList<>(warnings.subList(0, MAX_WARNINGS));
        if (warnings.size() > MAX_WARNINGS) {
            shown.add(new Problem.FieldError("files", (warnings.size() - MAX_WARNINGS) + " more warnings not shown"));
        }
        if (!errors.isEmpty()) {
            throw new ApiException(Problem.invalid(errors).withWarnings(shown));
        }
        return new Validated(List.copyOf(byWorkflow.keySet()), List.copyOf(shown));
    }

    /** A validator's issue as a field error naming the file in the bundle and the path in it. */
    private static Problem.FieldError fieldError(String workflow, WorkflowIssue issue) {
        return new Problem.FieldError("files." + workflow + "/" + issue.file(), issue.path() + ": " + issue.message());
    }

    /**
     * Claims the version before any file is written, so of two publishes of one version only the
     * content that claimed it is stored; the same content again finishes an interrupted upload.
     * True when this request made the claim.
     */
    private Mono<Boolean> claim(Principal actor, String appId, String id, PackRequests.PublishPack request, Validated checked,
                                String digest) {
        List<Document> warnings = checked.warnings().stream()
                .map(warning -> new Document("field", warning.field()).append("message", warning.message())).toList();
        Document pack = new Document("_id", id).append("app_id", appId).append("pack_id", request.id())
                .append("version", request.version()).append("workflows", checked.workflows()).append("warnings", warnings)
                .append("digest", digest)
                .append("state", "uploading").append("created_at", Date.from(clock.instant())).append("created_by", actor.userId());
        return Mono.from(packs.insertOne(pack)).thenReturn(true)
                .onErrorResume(error -> error instanceof MongoWriteException write
                        && write.getError().getCategory() == ErrorCategory.DUPLICATE_KEY, duplicate -> Mono.from(packs.find(eq("_id", id)).first())
                        .flatMap(existing -> digest.equals(existing.getString("digest")) ? Mono.just(false)
                                : Mono.error(ApiException.conflict("pack_version_exists", "Version " + request.version()
                                + " of pack " + request.id() + " exists with other content; publish a new version."))));
    }

    /** Turns a pack on or off for the app. */
    public Mono<Map<String, Object>> set(Principal actor, String appId, String packId, PackRequests.SetPack request) {
        request.validate();
        return apps.authorizedLive(actor, appId, Role.ADMIN).flatMap(app -> {
            boolean isPlatformPack = !platform.pack(packId).isEmpty();
            Mono<Optional<String>> version = isPlatformPack ? Mono.just(Optional.empty()) : publishedVersion(appId, packId, request.version());
            return version.flatMap(current -> {
                // A version asked for is pinned; without one the pack follows its newest ready version (AppWorkflows). The
                // pin is marked: states written before pinning meant anything carry a version that pins nothing.
                Document state = new Document("enabled", request.enabled());
                if (request.version() != null && !isPlatformPack) {
                    state.append("version", request.version()).append(AppWorkflows.PINNED, true);
                }
                Document before = app.get("packs", Document.class) == null ? null : app.get("packs", Document.class).get(packId, Document.class);
                return Mono.from(apps.collection().updateOne(eq("_id", appId), Updates.combine(Updates.set("packs." + packId, state),
                                Updates.set("updated_at", Date.from(clock.instant())), Updates.inc("version", 1))))
                        .doOnSuccess(updated -> packsChanged.accept(AppId.of(appId)))
                        .then(audit.record(AuditLog.Actor.of(actor), request.enabled() ? "pack.enable" : "pack.disable",
                                app.getString("tenant_id"), appId, "pack", packId, before, state))
                        .thenReturn(Map.<String, Object>of("pack", packId, "enabled", request.enabled(), "version", current.orElse("platform"),
                                "pinned", state.getBoolean(AppWorkflows.PINNED, false)));
            });
        });
    }

    private Mono<Optional<String>> publishedVersion(String appId, String packId, String version) {
        return Flux.from(packs.find(version == null ? and(eq("app_id", appId), eq("pack_id", packId), eq("state", READY))
                        : and(eq("app_id", appId), eq("pack_id", packId), eq("version", version), eq("state", READY)))
                        .sort(NEWEST_FIRST).limit(1))
                .next()
                .map(pack -> Optional.of(pack.getString("version")))
                .switchIfEmpty(Mono.error(() -> ApiException.notFound("The pack")));
    }

    private Mono<Void> store(String appId, PackRequests.PublishPack request) {
        String prefix = appId + "/" + request.id() + "/" + request.version() + "/";
        return files.createIfNotExists().then(Flux.fromIterable(request.files().entrySet())
                .concatMap(file -> files.getBlobAsyncClient(prefix + file.getKey())
                        .upload(BinaryData.fromString(file.getValue()), true))
                .then());
    }

    private static Map<String, Object> view(Document pack) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", pack.getString("pack_id"));
        view.put("version", pack.getString("version"));
        view.put("workflows", pack.getList("workflows", String.class));
        // What the validator warned of when the version was published (none recorded before warnings were kept).
        view.put("warnings", pack.getList("warnings", Document.class, List.of()).stream()
                .map(warning -> new Problem.FieldError(warning.getString("field"), warning.getString("message"))).toList());
        view.put("created_at", pack.getDate("created_at").toInstant().toString());
        return view;
    }

    private static String digest(Map<String, String> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            new TreeMap<>(files).forEach((path, text) -> {
                sha.update(path.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(text.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            });
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
