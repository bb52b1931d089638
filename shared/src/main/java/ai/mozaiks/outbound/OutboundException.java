package ai.mozaiks.outbound;

import java.util.Optional;

/** Why an outbound request got no answer; {@link #range()} names what refused it when it was {@link Reason#REFUSED}. */
public final class OutboundException extends RuntimeException {

    public enum Reason {
        /** The URL is not http(s) or names no host. */
        BAD_URL,
        /** The host has no address. */
        UNKNOWN_HOST,
        /** The host resolves to an address in a refused range; nothing was sent. */
        REFUSED,
        /** A deadline passed: connecting, waiting for the answer, or reading all of it. */
        TIMEOUT,
        /** The answer is larger than allowed; it was not read to the end. */
        TOO_LARGE,
        /** The connection failed or broke. */
        FAILED
    }

    private final Reason reason;
    private final transient AddressRanges.Range range;

    OutboundException(Reason reason, String message, AddressRanges.Range range, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.range = range;
    }

    OutboundException(Reason reason, String message) {
        this(reason, message, null, null);
    }

    public Reason reason() {
        return reason;
    }

    public Optional<AddressRanges.Range> range() {
        return Optional.ofNullable(range);
    }
}
