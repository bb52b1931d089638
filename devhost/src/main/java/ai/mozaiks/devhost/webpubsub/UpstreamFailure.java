package ai.mozaiks.devhost.webpubsub;

/** An event handler that could not be reached, refused validation, or answered an event with an error. */
final class UpstreamFailure extends RuntimeException {
    UpstreamFailure(String message) {
        super(message, null, false, false);
    }
}
