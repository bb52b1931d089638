package ai.mozaiks.persistence;

/** A routing record that this deployment cannot follow, such as an unknown connection setting. */
public final class StorageRouteException extends RuntimeException {
    public StorageRouteException(String message) {
        super(message);
    }
}
