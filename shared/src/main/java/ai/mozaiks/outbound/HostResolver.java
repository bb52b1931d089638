package ai.mozaiks.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Turns a host name into its addresses; asked once per request, before anything is vetted. */
@FunctionalInterface
public interface HostResolver {

    InetAddress[] resolve(String host) throws UnknownHostException;

    /** The JVM's resolver (the operating system's, through the JVM's own cache). */
    static HostResolver system() {
        return InetAddress::getAllByName;
    }
}
