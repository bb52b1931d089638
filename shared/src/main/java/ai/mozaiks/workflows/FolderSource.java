package ai.mozaiks.workflows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Manifests read from {@code workflows/<name>/}. */
final class FolderSource implements ManifestSource {
    private final Path folder;

    FolderSource(Path folder) {
        this.folder = folder;
    }

    @Override
    public boolean exists(String fileName) {
        return Files.exists(folder.resolve(fileName));
    }

    @Override
    public long size(String fileName) throws IOException {
        Path file = folder.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw new IOException("not a regular file");
        }
        return Files.size(file);
    }

    @Override
    public byte[] read(String fileName) throws IOException {
        return Files.readAllBytes(folder.resolve(fileName));
    }
}
