package ai.mozaiks.identity;

/**
 * An identity provider's discovery or key document could not be fetched (and no usable copy was
 * cached). This is the platform's problem, not the caller's: answer 503, not 401.
 */
public final class IdentityProviderUnavailableException extends RuntimeException {
    public IdentityProviderUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public IdentityProviderUnavailableException(String message) {
        super(message);
    }
}
