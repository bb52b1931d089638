package ai.mozaiks.persistence;

/**
 * The runtime collections of a database could not all be made (refused, or the database not reached): whatever was to
 * use them (an app's creation, a migration's start) does not go on, since its first write would make a collection
 * implicitly, without its declared shape. The HTTP edge answers 503: the operators' to fix, the caller's to repeat.
 */
public final class SchemaNotInPlace extends RuntimeException {
    public SchemaNotInPlace(StorageLocation location, SchemaReport report) {
        super("the runtime collections of " + location.databaseName() + " are not all in place: " + report.drift().size()
                + " declaration(s) not met", null, false, false);
    }
}
