package ai.mozaiks.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every refused range, by one literal (IPv4 and IPv6 forms), and what the private-networks switch opens. */
class AddressRangesTest {

    private static Optional<AddressRanges.Range> refusal(String literal, boolean privateNetworks) throws Exception {
        return AddressRanges.refusal(InetAddress.getByName(literal), privateNetworks);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1                 | a loopback address                 | true
            127.255.255.254           | a loopback address                 | true
            ::1                       | a loopback address                 | true
            0.0.0.0                   | an unspecified address             | false
            0.1.2.3                   | an unspecified address             | false
            ::                        | an unspecified address             | false
            10.1.2.3                  | a private address                  | true
            172.16.0.1                | a private address                  | true
            172.31.255.255            | a private address                  | true
            192.168.1.1               | a private address                  | true
            fc00::1                   | a unique-local address             | true
            fd12:3456::1              | a unique-local address             | true
            169.254.1.1               | a link-local address               | true
            fe80::1                   | a link-local address               | true
            fec0::1                   | a site-local address               | true
            100.64.0.1                | a shared (carrier-grade NAT) address | true
            100.127.255.255           | a shared (carrier-grade NAT) address | true
            168.63.129.16             | the Azure host endpoint            | false
            169.254.169.254           | the instance metadata endpoint     | false
            fd00:ec2::254             | the instance metadata endpoint     | false
            64:ff9b::7f00:1           | a NAT64 address                    | false
            64:ff9b::a83f:8110        | a NAT64 address                    | false
            64:ff9b::808:808          | a NAT64 address                    | false
            64:ff9b:1::7f00:1         | a NAT64 address                    | false
            2002:7f00:1::1            | a 6to4 address                     | false
            2002:a83f:8110::1         | a 6to4 address                     | false
            2001:0:4136:e378:8000:63bf:3fff:fdd2 | a Teredo address        | false
            ::7f00:1                  | an IPv4-compatible address         | false
            ::a83f:8110               | an IPv4-compatible address         | false
            ::ffff:127.0.0.1          | a loopback address                 | true
            ::ffff:168.63.129.16      | the Azure host endpoint            | false
            224.0.0.1                 | a multicast address                | false
            239.255.255.250           | a multicast address                | false
            ff02::1                   | a multicast address                | false
            ff0e::1                   | a multicast address                | false
            255.255.255.255           | the broadcast address              | false
            240.0.0.1                 | a reserved address                 | false
            198.18.0.1                | a benchmarking address             | false
            198.19.255.255            | a benchmarking address             | false
            192.0.2.1                 | a documentation address            | false
            198.51.100.1              | a documentation address            | false
            203.0.113.1               | a documentation address            | false
            2001:db8::1               | a documentation address            | false
            3fff::1                   | a documentation address            | false
            192.0.0.8                 | an IETF protocol assignment        | false
            2001:2::1                 | an IETF protocol assignment        | false
            192.88.99.1               | a 6to4 relay address               | false
            100::1                    | a discard-only address             | false
            4000::1                   | not a global unicast address       | false
            """)
    void eachRangeIsRefusedAndOnlyLocalOnesOpenForPrivateNetworks(String literal, String range, boolean local) throws Exception {
        assertEquals(Optional.of(new AddressRanges.Range(range, local)), refusal(literal, false), literal);
        assertEquals(local, refusal(literal, true).isEmpty(), literal + " with private networks allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "20.42.0.1", "100.128.0.1", "100.63.255.255", "172.32.0.1", "168.63.129.17",
            "198.20.0.1", "2001:4860:4860::8888", "2606:4700::1111", "2a00:1450:4007:80e::200e"})
    void publicAddressesPass(String literal) throws Exception {
        assertEquals(Optional.empty(), refusal(literal, false), literal);
    }

    @Test
    void anIpv4MappedAddressKeptInIpv6FormIsJudgedAsItsIpv4Address() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 168, 63, (byte) 129, 16};
        InetAddress address = Inet6Address.getByAddress(null, mapped, -1);
        assertInstanceOf(Inet6Address.class, address);

        assertEquals("the Azure host endpoint", AddressRanges.refusal(address, true).orElseThrow().name());
        mapped[12] = 8;
        mapped[13] = 8;
        mapped[14] = 8;
        mapped[15] = 8;
        assertFalse(AddressRanges.refusal(Inet6Address.getByAddress(null, mapped, -1), false).isPresent());
    }

    @Test
    void theCloudEndpointsStayRefusedWithPrivateNetworksAllowed() throws Exception {
        for (String literal : new String[] {"168.63.129.16", "169.254.169.254", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe"}) {
            assertTrue(refusal(literal, true).isPresent(), literal);
        }
    }
}
