package ai.mozaiks.devhost;

/**
 * The devhost's command line.
 *
 * @param mongodb a MongoDB connection string to use instead of the embedded server (Cosmos DB, Atlas), or null
 */
public record DevHostOptions(int port, boolean fresh, boolean emulatorsOnly, boolean help, String mongodb) {
    public static final String USAGE = """
            Usage: ./run-local [--port N] [--fresh] [--emulators-only] [--mongodb CONNECTION_STRING]
              --port N           serve the function app on http://localhost:N (default 7071)
              --fresh            wipe local data (.devhost/) before starting
              --emulators-only   start only MongoDB, Azurite and Web PubSub, for `func start`
              --mongodb URI      use this MongoDB (Cosmos DB, Atlas) instead of the embedded server; the
                                 environment's MONGODB_CONNECTION_STRING does the same and keeps the key out of `ps`
            """;

    public static DevHostOptions parse(String... args) {
        int port = 7071;
        boolean fresh = false;
        boolean emulatorsOnly = false;
        boolean help = false;
        String mongodb = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--fresh" -> fresh = true;
                case "--emulators-only" -> emulatorsOnly = true;
                case "--help", "-h" -> help = true;
                case "--mongodb" -> {
                    if (i + 1 >= args.length || !args[i + 1].startsWith("mongodb")) {
                        throw new IllegalArgumentException("--mongodb needs a mongodb:// or mongodb+srv:// connection string\n" + USAGE);
                    }
                    mongodb = args[++i];
                }
                case "--port" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--port needs a number\n" + USAGE);
                    }
                    port = parsePort(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
        }
        return new DevHostOptions(port, fresh, emulatorsOnly, help, mongodb);
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port > 0 && port < 65536) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--port takes a number from 1 to 65535, not " + value);
    }
}
