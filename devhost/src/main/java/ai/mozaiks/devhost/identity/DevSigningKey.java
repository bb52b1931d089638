package ai.mozaiks.devhost.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
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
 * The development identity provider's signing key, kept as a JWK file so tokens minted before a
 * restart still verify after it. Created on first start; {@code --fresh} removes it.
 *
 * <p>A new key is an EC P-256 key (ES256, which the platform accepts as it accepts RS256): making one
 * takes milliseconds, where a 2048-bit RSA key took 0.1 to 2.5 s of a core on the devhost's JVM (C1 only,
 * without the BigInteger intrinsics), all of it during the cold start on a 2-core machine. An RSA key
 * written by an earlier version is still used, so its tokens stay valid.
 */
final class DevSigningKey {
    static final String FILE = "signing-key.json";
    private static final int MIN_RSA_BITS = 2048;

    private DevSigningKey() {
    }

    /**
     * The key: read now when it exists, so a broken file fails the start; otherwise generated and
     * written in the background, off the start path.
     */
    static CompletableFuture<JWK> open(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        if (Files.isRegularFile(file)) {
            return CompletableFuture.completedFuture(load(file));
        }
        Files.createDirectories(directory);
        return CompletableFuture.supplyAsync(() -> {
            JWK key = generate();
            try {
                write(file, key);
            } catch (IOException e) {
                throw new UncheckedIOException(file + " cannot be written", e);
            }
            return key;
        });
    }

    /** The signature algorithm of a key {@link #open} returned: ES256 for an EC key, RS256 for an RSA one. */
    static JWSAlgorithm algorithm(JWK key) {
        return key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
    }

    private static JWK load(Path file) throws IOException {
        try {
            JWK jwk = JWK.parse(Files.readString(file, StandardCharsets.UTF_8));
            boolean usable = jwk instanceof ECKey ec ? Curve.P_256.equals(ec.getCurve())
                    : jwk instanceof RSAKey rsa && rsa.size() >= MIN_RSA_BITS;
            if (usable && jwk.isPrivate() && jwk.getKeyID() != null) {
                return jwk;
            }
        } catch (ParseException e) {
            // reported below
        }
        throw new IllegalStateException(file + " is not the development identity provider's private signing key;"
                + " delete it (or start with --fresh) and a new key is made");
    }

    private static ECKey generate() {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate();
            // The thumbprint as kid: stable for the key's life, and a new key gets a new id.
            return new ECKey.Builder(key).keyIDFromThumbprint().build();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the development signing key", e);
        }
    }

    /** Written to a temporary file readable by the owner only, then moved into place. */
    private static void write(Path file, JWK key) throws IOException {
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
