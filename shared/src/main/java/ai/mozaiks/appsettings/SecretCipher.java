package ai.mozaiks.appsettings;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals an app's secret setting with AES-256-GCM under the platform's {@code APP_SETTINGS_KEY}: a random 96-bit
 * nonce per value, and the app id and setting name as associated data, so a sealed value copied to another app or
 * name does not open. A value that does not open (another key, a changed byte) is an error, never a guess.
 */
final class SecretCipher {
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    /** @param key at least 32 bytes; hashed to the 256-bit AES key, so any longer key counts whole */
    SecretCipher(byte[] key) {
        if (key == null || key.length < 32) {
            throw new IllegalArgumentException("the app settings key must be at least 32 bytes");
        }
        this.key = new SecretKeySpec(sha256(key), "AES");
    }

    /** The nonce followed by the ciphertext and its tag. */
    byte[] seal(String appId, String name, String plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associated(appId, name));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** The plaintext; {@link UnreadableSecretException} when the value was not sealed by this key for this app and name. */
    String open(String appId, String name, byte[] sealed) {
        if (sealed == null || sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new UnreadableSecretException(name);
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(associated(appId, name));
            byte[] plain = cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new UnreadableSecretException(name);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** Length-prefixed, so ("ab", "c") and ("a", "bc") differ. */
    private static byte[] associated(String appId, String name) {
        byte[] app = appId.getBytes(StandardCharsets.UTF_8);
        byte[] setting = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + app.length + setting.length)
                .putInt(app.length).put(app).putInt(setting.length).put(setting).array();
    }

    private static byte[] sha256(byte[] key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
