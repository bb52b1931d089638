package ai.mozaiks.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The address ranges outbound requests may not reach. Two kinds: {@linkplain Range#local() local} ranges
 * (loopback, private, link-local, shared/CGNAT, unique-local) are refused unless private networks are
 * allowed (local development, the operator's own identity provider); every other listed range is refused
 * always: the cloud's host and metadata endpoints, addresses that are not unicast, and IPv6 prefixes that
 * carry traffic to an IPv4 address through a gateway or tunnel (NAT64, 6to4, Teredo, IPv4-compatible), whose
 * far end cannot be vetted. An IPv4-mapped IPv6 address is the IPv4 address itself, so it is judged as that.
 * Outside the list, IPv6 must be global unicast (2000::/3).
 */
public final class AddressRanges {

    /** A named range; {@code local} ranges are the ones the private-networks switch opens. */
    public record Range(String name, boolean local) {}

    private record Block(byte[] prefix, int bits, Range range) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit += 8) {
                int mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
                if ((address[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final Range NOT_GLOBAL = new Range("not a global unicast address", false);

    // First match wins: the metadata endpoints come before the link-local range that holds them.
    private static final List<Block> BLOCKS = List.of(
            block("168.63.129.16/32", "the Azure host endpoint", false),
            block("169.254.169.254/32", "the instance metadata endpoint", false),
            block("fd00:ec2::254/128", "the instance metadata endpoint", false),
            block("0.0.0.0/8", "an unspecified address", false),
            block("10.0.0.0/8", "a private address", true),
            block("100.64.0.0/10", "a shared (carrier-grade NAT) address", true),
            block("127.0.0.0/8", "a loopback address", true),
            block("169.254.0.0/16", "a link-local address", true),
            block("172.16.0.0/12", "a private address", true),
            block("192.0.0.0/24", "an IETF protocol assignment", false),
            block("192.0.2.0/24", "a documentation address", false),
            block("192.88.99.0/24", "a 6to4 relay address", false),
            block("192.168.0.0/16", "a private address", true),
            block("198.18.0.0/15", "a benchmarking address", false),
            block("198.51.100.0/24", "a documentation address", false),
            block("203.0.113.0/24", "a documentation address", false),
            block("224.0.0.0/4", "a multicast address", false),
            block("255.255.255.255/32", "the broadcast address", false),
            block("240.0.0.0/4", "a reserved address", false),
            block("::/128", "an unspecified address", false),
            block("::1/128", "a loopback address", true),
            block("::/96", "an IPv4-compatible address", false),
            block("64:ff9b::/96", "a NAT64 address", false),
            block("64:ff9b:1::/48", "a NAT64 address", false),
            block("100::/64", "a discard-only address", false),
            block("2001::/32", "a Teredo address", false),
            block("2001:db8::/32", "a documentation address", false),
            block("2001::/23", "an IETF protocol assignment", false),
            block("2002::/16", "a 6to4 address", false),
            block("3fff::/20", "a documentation address", false),
            block("fc00::/7", "a unique-local address", true),
            block("fe80::/10", "a link-local address", true),
            block("fec0::/10", "a site-local address", true),
            block("ff00::/8", "a multicast address", false));
    private static final Block GLOBAL_UNICAST = block("2000::/3", "global unicast", false);
    private static final byte[] MAPPED_PREFIX = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private AddressRanges() {
    }

    /** The range that refuses {@code address}, or empty when it may be reached. */
    public static Optional<Range> refusal(InetAddress address, boolean privateNetworks) {
        return range(address).filter(range -> !(privateNetworks && range.local()));
    }

    /** The listed range {@code address} is in, whether or not private networks are allowed. */
    static Optional<Range> range(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16 && Arrays.equals(Arrays.copyOf(bytes, 12), MAPPED_PREFIX)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
        }
        for (Block block : BLOCKS) {
            if (block.contains(bytes)) {
                return Optional.of(block.range());
            }
        }
        return bytes.length == 16 && !GLOBAL_UNICAST.contains(bytes) ? Optional.of(NOT_GLOBAL) : Optional.empty();
    }

    private static Block block(String cidr, String name, boolean local) {
        int slash = cidr.indexOf('/');
        try {
            byte[] prefix = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
            int bits = Integer.parseInt(cidr.substring(slash + 1));
            // getByName turns "::ffff:a.b.c.d" into IPv4; no block here is written that way.
            if (cidr.contains(":") && prefix.length == 4 || bits > prefix.length * 8) {
                throw new IllegalArgumentException(cidr);
            }
            return new Block(prefix, bits, new Range(name, local));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(cidr, e);
        }
    }
}
