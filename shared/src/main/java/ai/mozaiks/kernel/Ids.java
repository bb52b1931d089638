package ai.mozaiks.kernel;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Opaque identifiers with a readable prefix ({@code ten_}, {@code app_}, {@code inv_}, ...). */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static String next(String prefix) {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return prefix + "_" + HexFormat.of().formatHex(bytes);
    }
}
