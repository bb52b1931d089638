package ai.mozaiks.devhost.identity;

import ai.mozaiks.kernel.AppId;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A local OpenID provider so the real bearer-token validation runs on a developer machine:
 * discovery and JWKS for the platform issuer {@code http://localhost:<port>/dev}, a sign-in page at
 * {@code /dev/authorize} for the authorization code flow with PKCE (the ChatUI's sign-in), and
 * {@code POST /dev/token} redeeming its codes or minting a token for whoever is named. With
 * {@code app_id} the token comes from that app's own issuer, {@code <issuer>/apps/<app_id>}, signed
 * with the same key.
 * It refuses to start in Azure or outside development (see {@link DevelopmentOnly}).
 */
public final class DevIdentityProvider {
    /** Where the signing key is kept, under the project home. */
    public static final String STATE_DIRECTORY = ".devhost/dev-idp";
    /** The path prefix of every route, as registered with the host. */
    public static final String ROUTE_PREFIX = "/dev/";
    private static final long KEY_WAIT_SECONDS = 60;

    private final String issuer;
    private final CompletableFuture<DevTokenMinter> minter;
    private final DevIdpRoutes routes;

    private DevIdentityProvider(String issuer, CompletableFuture<DevTokenMinter> minter, String defaultAudience, Clock clock) {
        this.issuer = issuer;
        this.minter = minter;
        this.routes = new DevIdpRoutes(issuer, this::appIssuer, this::minter, defaultAudience, new AuthorizationCodes(clock));
    }

    /**
     * Opens the signing key under {@code home}/{@value #STATE_DIRECTORY}; a first start makes it in
     * the background, and the routes wait for it.
     *
     * @param port            the port the host serves on; it is part of the issuer
     * @param defaultAudience the {@code aud} of tokens whose request names none (the platform audience)
     * @param environment     the settings and process environment, to refuse Azure and non-development runs
     * @throws IllegalStateException in Azure, outside {@code MOZAIKS_ENVIRONMENT=development}, or for an unreadable key file
     */
    public static DevIdentityProvider start(Path home, int port, String defaultAudience, Map<String, String> environment,
                                            Clock clock) throws IOException {
        DevelopmentOnly.check(environment);
        String issuer = "http://localhost:" + port + "/dev";
        CompletableFuture<DevTokenMinter> minter = DevSigningKey.open(home.resolve(STATE_DIRECTORY)).thenApply(key ->
                new DevTokenMinter(key, request -> request.appId() == null ? issuer : appIssuer(issuer, request.appId()), clock));
        return new DevIdentityProvider(issuer, minter, defaultAudience, clock);
    }

    /** The platform issuer, {@code http://localhost:<port>/dev}. */
    public String issuer() {
        return issuer;
    }

    /** The issuer of tokens minted with {@code app_id}: that app's own (development) identity provider. */
    public String appIssuer(AppId appId) {
        return appIssuer(issuer, appId);
    }

    public URI jwksUri() {
        return URI.create(issuer + "/jwks");
    }

    public URI authorizationUri() {
        return URI.create(issuer + "/authorize");
    }

    public URI tokenUri() {
        return URI.create(issuer + "/token");
    }

    /** The public key as a JWKS document (waits for a key still being made). */
    public String jwks() {
        return minter().jwks();
    }

    /** The host routes, by path prefix, for {@code FunctionHost.start(..., hostRoutes)}. */
    public Map<String, HttpHandler> routes() {
        return Map.of(ROUTE_PREFIX, routes);
    }

    private DevTokenMinter minter() {
        try {
            return minter.get(KEY_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the development signing key", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the development signing key could not be made", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the development signing key was not ready within " + KEY_WAIT_SECONDS + " s", e);
        }
    }

    private static String appIssuer(String issuer, AppId appId) {
        return issuer + "/apps/" + appId.value();
    }
}
