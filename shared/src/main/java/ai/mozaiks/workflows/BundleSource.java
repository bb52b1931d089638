package ai.mozaiks.workflows;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** Manifests of an uploaded bundle, keyed by their path relative to the workflow folder. */
final class BundleSource implements ManifestSource {
    private final Map<String, byte[]> files = new HashMap<>();

    BundleSource(Map<String, byte[]> bundle) {
        bundle.forEach((path, content) -> files.put(normalize(path), Objects.requireNonNull(content, path)));
    }

    @Override
    public boolean exists(String fileName) {
        return files.containsKey(fileName);
    }

    @Override
    public long size(String fileName) {
        return files.get(fileName).length;
    }

    @Override
    public byte[] read(String fileName) {
        return files.get(fileName);
    }

    // Archives written on Windows, or by tools that prefix "./", still name the same file.
    private static String normalize(String path) {
        String normalized = path.replace('\\', '/');
        while (normalized.startsWith("./")) {
            normalized = normalized.substring(2);
        }
        return normalized;
    }
}
