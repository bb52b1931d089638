package ai.mozaiks.config;

/**
 * What one user may create, and the tier tenants get before a platform administrator grants one.
 *
 * @param tenantsPerUser          tenants one user may create ({@code TENANTS_PER_USER})
 * @param createsPerUserPerMinute tenants and apps one user may create per minute ({@code CREATES_PER_USER_PER_MINUTE})
 * @param defaultMaxTier          the entitlement of a tenant without a grant ({@code DEFAULT_TENANT_MAX_TIER}); null for
 *                                the lowest tier. Only development may set it, so a local platform can try every tier
 *                                while a deployed one stays strict.
 */
public record TenancySettings(int tenantsPerUser, int createsPerUserPerMinute, String defaultMaxTier) {

    static TenancySettings read(SettingsReader reader, Environment environment) {
        String defaultMaxTier = reader.string("DEFAULT_TENANT_MAX_TIER", null, value -> value.matches("[a-z][a-z0-9_]{0,31}"),
                "a tier name from tiers.json, such as enterprise");
        if (defaultMaxTier != null && environment != Environment.DEVELOPMENT) {
            reader.problem("DEFAULT_TENANT_MAX_TIER: only for MOZAIKS_ENVIRONMENT=development; in production a platform"
                    + " administrator grants each tenant its tier");
        }
        return new TenancySettings(
                reader.integer("TENANTS_PER_USER", 5, 1, 10_000),
                reader.integer("CREATES_PER_USER_PER_MINUTE", 10, 1, 10_000),
                defaultMaxTier);
    }
}
