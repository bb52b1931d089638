package ai.mozaiks.config;

/** Where the platform runs; development unlocks local-only conveniences and nothing else. */
public enum Environment {
    DEVELOPMENT,
    PRODUCTION
}
