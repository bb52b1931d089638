package ai.mozaiks.tools;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which addresses a tool call may go to. Unless private networks are allowed, every address the host
 * resolves to must be public: not loopback, link-local (the instance metadata endpoint lives there),
 * site-local/private, unique-local IPv6, wildcard or multicast.
 */
final class NetworkPolicy {
    private final boolean allowPrivate;

    NetworkPolicy(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    /** Why the URL may not be called, or empty when it may. Resolves the host (blocking). */
    Optional<String> refusal(URI url) {
        if (allowPrivate) {
            return Optional.empty();
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(url.getHost())) {
                if (isPrivate(address)) {
                    return Optional.of("the tool's host " + url.getHost() + " is on a private network, which tools may not call");
                }
            }
            return Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.of("the tool's host " + url.getHost() + " is unknown");
        }
    }

    static boolean isPrivate(InetAddress address) {
        return address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()
                || address instanceof Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc
                || isCarrierGradeNat(address);
    }

    /** 100.64.0.0/10, shared address space: not reachable from the internet either. */
    private static boolean isCarrierGradeNat(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == 4 && (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
    }
}
