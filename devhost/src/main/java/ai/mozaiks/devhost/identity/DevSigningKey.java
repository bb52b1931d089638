package ai.mozaiks.devhost.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.concurrent.CompletableFuture;

/**
 * The development identity provider's RSA signing key, kept as a JWK file so tokens minted before
 * a restart still verify after it. Created on first start; {@code --fresh} removes it.
 */
final class DevSigningKey {
    static final String FILE = "signing-key.json";
    private static final int BITS = 2048;

    private DevSigningKey() {
    }

    /**
     * The key: read now when it exists, so a broken file fails the start; otherwise generated in the
     * background, because RSA generation can take a second and the devhost's cold start has a budget.
     */
    static CompletableFuture<RSAKey> open(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        if (Files.isRegularFile(file)) {
            return CompletableFuture.completedFuture(load(file));
        }
        Files.createDirectories(directory);
        return CompletableFuture.supplyAsync(() -> {
            RSAKey key = generate();
            try {
                write(file, key);
            } catch (IOException e) {
                throw new UncheckedIOException(file + " cannot be written", e);
            }
            return key;
        });
    }

    private static RSAKey load(Path file) throws IOException {
        try {
            JWK jwk = JWK.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (jwk instanceof RSAKey rsa && rsa.isPrivate() && rsa.size() >= BITS && rsa.getKeyID() != null) {
                return rsa;
            }
        } catch (ParseException e) {
            // reported below
        }
        throw new IllegalStateException(file + " is not the development identity provider's RSA private key;"
                + " delete it (or start with --fresh) and a new key is made");
    }

    private static RSAKey generate() {
        try {
            RSAKey key = new RSAKeyGenerator(BITS).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
            // The thumbprint as kid: stable for the key's life, and a new key gets a new id.
            return new RSAKey.Builder(key).keyIDFromThumbprint().build();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the development signing key", e);
        }
    }

    /** Written to a temporary file readable by the owner only, then moved into place. */
    private static void write(Path file, RSAKey key) throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), "signing-key", ".tmp");
        try {
            restrictToOwner(temporary);
            Files.writeString(temporary, key.toJSONString(), StandardCharsets.UTF_8);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException(file + " appeared while it was being created; start again", e);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static void restrictToOwner(Path path) throws IOException {
        if (Files.getFileStore(path).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        }
    }
}
