package ai.mozaiks.config;

import com.mongodb.ConnectionString;

/** Parsing MongoDB connection strings at start-up, where nothing may touch the network. */
public final class ConnectionStrings {
    private static final String SRV = "mongodb+srv://";

    private ConnectionStrings() {
    }

    /**
     * A connection string's hosts and options without a DNS lookup: the driver looks up a {@code mongodb+srv://}
     * string's DNS TXT record while parsing it, which at start-up would make a DNS hiccup a crash (and a test a DNS
     * query). Such a string is read as the {@code mongodb://} one it stands for (one host, no port); the driver
     * resolves it when it connects. Throws {@link IllegalArgumentException} for a malformed string.
     */
    public static ConnectionString parseWithoutLookups(String value) {
        if (!value.startsWith(SRV)) {
            return new ConnectionString(value);
        }
        ConnectionString plain = new ConnectionString("mongodb://" + value.substring(SRV.length()));
        if (plain.getHosts().size() != 1 || plain.getHosts().get(0).contains(":")) {
            throw new IllegalArgumentException("a mongodb+srv:// connection string names one host and no port");
        }
        return plain;
    }
}
