package ai.mozaiks.devhost;

/** The devhost's command line. */
public record DevHostOptions(int port, boolean fresh, boolean emulatorsOnly, boolean help) {
    public static final String USAGE = """
            Usage: ./run-local [--port N] [--fresh] [--emulators-only]
              --port N           serve the function app on http://localhost:N (default 7071)
              --fresh            wipe local data (.devhost/) before starting
              --emulators-only   start only MongoDB, Azurite and Web PubSub, for `func start`
            """;

    public static DevHostOptions parse(String... args) {
        int port = 7071;
        boolean fresh = false;
        boolean emulatorsOnly = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--fresh" -> fresh = true;
                case "--emulators-only" -> emulatorsOnly = true;
                case "--help", "-h" -> help = true;
                case "--port" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--port needs a number\n" + USAGE);
                    }
                    port = parsePort(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
        }
        return new DevHostOptions(port, fresh, emulatorsOnly, help);
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
