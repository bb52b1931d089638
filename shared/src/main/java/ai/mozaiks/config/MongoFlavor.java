package ai.mozaiks.config;

import com.mongodb.ConnectionString;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which MongoDB service a connection reaches. The Cosmos DB APIs accept the MongoDB wire protocol but not every
 * default of the driver (retryable writes, above all), so connections are set up per flavor. {@code MONGODB_FLAVOR}
 * names it; without it the host tells: Azure names accounts {@code *.mongo.cosmos.azure.com} (RU) and clusters
 * {@code *.mongocluster.cosmos.azure.com} (vCore).
 */
public enum MongoFlavor {
    /** MongoDB itself: Atlas, a self-hosted server, the embedded one. */
    MONGODB("mongodb"),
    /** Azure Cosmos DB for MongoDB, request units (provisioned or serverless). */
    COSMOS_RU("cosmos-ru"),
    /** Azure Cosmos DB for MongoDB vCore (Azure DocumentDB). */
    COSMOS_VCORE("cosmos-vcore");

    public static final String SETTING = "MONGODB_FLAVOR";
    private static final String RU_SUFFIX = ".mongo.cosmos.azure.com";
    private static final String VCORE_SUFFIX = ".mongocluster.cosmos.azure.com";

    private final String value;

    MongoFlavor(String value) {
        this.value = value;
    }

    /** The setting's spelling: {@code mongodb}, {@code cosmos-ru}, {@code cosmos-vcore}. */
    public String value() {
        return value;
    }

    public static Optional<MongoFlavor> of(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(flavor -> flavor.value.equals(wanted)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(MongoFlavor::value).toList();
    }

    /** The flavor a connection string's hosts point at; {@link #MONGODB} for any host Azure's names don't match. */
    public static MongoFlavor detect(ConnectionString connection) {
        for (String hostAndPort : connection.getHosts()) {
            String host = hostAndPort.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
            if (host.endsWith(VCORE_SUFFIX)) {
                return COSMOS_VCORE;
            }
            if (host.endsWith(RU_SUFFIX)) {
                return COSMOS_RU;
            }
        }
        return MONGODB;
    }

    @Override
    public String toString() {
        return value;
    }
}
