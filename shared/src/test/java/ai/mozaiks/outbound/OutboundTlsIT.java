package ai.mozaiks.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https through a pinned address: the connection goes to the vetted address, while SNI, the certificate's
 * hostname check and the Host header still use the URL's host name.
 */
class OutboundTlsIT {
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final OutboundClient.Rules LOCAL = new OutboundClient.Rules(true, Duration.ofSeconds(5), Duration.ofSeconds(5),
            Duration.ofSeconds(10), 1024);

    @TempDir
    static Path keys;
    private static HttpsServer server;
    private static SslContext trustingTheServer;
    private static final List<String> serverNames = new CopyOnWriteArrayList<>();
    private static final List<String> hosts = new CopyOnWriteArrayList<>();

    /** A certificate for tools.example only, made by the JDK's keytool. */
    @BeforeAll
    static void start() throws Exception {
        Path store = keys.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=tools.example", "-ext", "SAN=dns:tools.example", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        keytool.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, keytool.exitValue(), output);
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(store.toFile())) {
            keyStore.load(in, PASSWORD);
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keyStore, PASSWORD);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(new javax.net.ssl.KeyManager[] {new RecordingServerNames((X509KeyManager) factory.getKeyManagers()[0])}, null, null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/hello", exchange -> {
            hosts.add(exchange.getRequestHeaders().getFirst("Host"));
            byte[] body = "hello over tls".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        trustingTheServer = SslContextBuilder.forClient().trustManager((X509Certificate) keyStore.getCertificate("server")).build();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static OutboundClient pinnedToLoopback() {
        return new OutboundClient(host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")}, trustingTheServer);
    }

    private static URI url(String host) {
        return URI.create("https://" + host + ":" + server.getAddress().getPort() + "/hello");
    }

    @Test
    void theNameGoesInSniAndHostAndTheCertificateIsCheckedAgainstIt() {
        serverNames.clear();
        hosts.clear();

        OutboundClient.Response response = pinnedToLoopback()
                .send(new OutboundClient.Request("GET", url("tools.example"), Map.of(), null), LOCAL).block(Duration.ofSeconds(15));

        assertEquals("hello over tls", response.text());
        assertEquals(List.of("tools.example"), serverNames);
        assertEquals(List.of("tools.example:" + server.getAddress().getPort()), hosts);
    }

    @Test
    void aCertificateForAnotherNameIsRefused() {
        hosts.clear();

        OutboundException error = assertThrows(OutboundException.class, () -> pinnedToLoopback()
                .send(new OutboundClient.Request("GET", url("other.example"), Map.of(), null), LOCAL).block(Duration.ofSeconds(15)));

        assertEquals(OutboundException.Reason.FAILED, error.reason());
        assertInstanceOf(SSLHandshakeException.class, error.getCause(), String.valueOf(error.getCause()));
        assertTrue(String.valueOf(error.getCause().getMessage()).contains("other.example"), error.getCause().getMessage());
        assertEquals(List.of(), hosts);
    }

    /** The server's key manager, noting the SNI name each handshake asked for. */
    private static final class RecordingServerNames extends X509ExtendedKeyManager {
        private final X509KeyManager keys;

        RecordingServerNames(X509KeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            if (engine.getHandshakeSession() instanceof ExtendedSSLSession session) {
                session.getRequestedServerNames().stream().filter(SNIHostName.class::isInstance)
                        .forEach(name -> serverNames.add(((SNIHostName) name).getAsciiName()));
            }
            return keys.chooseServerAlias(keyType, issuers, null);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return keys.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return keys.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }
}
