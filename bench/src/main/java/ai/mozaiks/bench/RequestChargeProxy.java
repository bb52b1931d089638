package ai.mozaiks.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.bson.BsonBinaryReader;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;

/**
 * A loopback proxy between the driver and one MongoDB server that asks the server for the request charge of every
 * command: Cosmos DB for MongoDB RU answers {@code getLastRequestStatistics} with the last request's charge <em>on that
 * connection</em>, so it has to be asked on the same connection right after the command, before the driver sends the
 * next one. The driver cannot do that itself (a listener may not use the connection it observes), so the proxy does
 * it on the wire: after each OP_MSG reply it sends {@code {getLastRequestStatistics: 1}} upstream, reads the answer
 * and keeps it from the driver. A server that refuses the command (MongoDB, Atlas, vCore, the embedded one) is asked
 * once; charges are then "n/a".
 */
final class RequestChargeProxy implements AutoCloseable {
    private static final int OP_MSG = 2013;
    private static final int MORE_TO_COME = 1 << 1;
    private static final int EXHAUST_ALLOWED = 1 << 16;
    /** The handshake, authentication and monitoring: not the platform's work, and not to be interleaved. */
    private static final Set<String> NOT_CHARGED = Set.of("hello", "ismaster", "isMaster", "saslStart", "saslContinue",
            "authenticate", "getnonce", "ping", "buildInfo", "buildinfo", "endSessions", "killCursors");

    /** One command's charge, as the server reported it. */
    record Charge(String command, double requestCharge) {
    }

    private final ServerSocket listener;
    private final String upstreamHost;
    private final int upstreamPort;
    private final boolean tls;
    private final Consumer<Charge> charges;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger requestIds = new AtomicInteger(Integer.MAX_VALUE / 2);
    /** Commands answered to the driver whose charge is still being asked. */
    private final AtomicInteger pending = new AtomicInteger();
    /** null until a server answered the statistics command; then whether it supports it. */
    private volatile Boolean supported;

    RequestChargeProxy(String upstreamHost, int upstreamPort, boolean tls, Consumer<Charge> charges) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        this.tls = tls;
        this.charges = charges;
        Thread accept = new Thread(this::accept, "charge-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Whether the server reports request charges: null before the first command was charged. */
    Boolean supported() {
        return supported;
    }

    /** Waits until every command answered so far has its charge recorded (the last one's is asked after its reply). */
    void awaitCharged() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (pending.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = connect();
                open.add(client);
                open.add(server);
                Thread relay = new Thread(() -> relay(client, server), "charge-proxy-relay");
                relay.setDaemon(true);
                relay.start();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    System.err.println("charge proxy: " + e.getMessage());
                }
            }
        }
    }

    private Socket connect() throws IOException {
        if (!tls) {
            return new Socket(upstreamHost, upstreamPort);
        }
        SSLSocket socket = (SSLSocket) SSLSocketFactory.getDefault().createSocket(upstreamHost, upstreamPort);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    /** Request, reply, (statistics), in turn; a streaming exchange (exhaust) is piped through untouched. */
    private void relay(Socket client, Socket server) {
        try (client; server) {
            DataInputStream fromClient = new DataInputStream(client.getInputStream());
            DataInputStream fromServer = new DataInputStream(server.getInputStream());
            OutputStream toClient = client.getOutputStream();
            OutputStream toServer = server.getOutputStream();
            while (true) {
                byte[] request = readMessage(fromClient);
                toServer.write(request);
                toServer.flush();
                int flags = opMsgFlags(request);
                if (flags >= 0 && (flags & (EXHAUST_ALLOWED | MORE_TO_COME)) != 0) {
                    pipe(fromServer, toClient, fromClient, toServer);
                    return;
                }
                byte[] reply = readMessage(fromServer);
                String command = flags >= 0 ? commandName(request) : null;
                boolean charge = command != null && !NOT_CHARGED.contains(command) && !Boolean.FALSE.equals(supported);
                if (charge) {
                    pending.incrementAndGet(); // before the driver sees the reply: awaitCharged() then waits for it
                }
                toClient.write(reply);
                toClient.flush();
                if (charge) {
                    try {
                        askCharge(command, fromServer, toServer);
                    } finally {
                        pending.decrementAndGet();
                    }
                }
            }
        } catch (IOException e) {
            // the driver or the server closed the connection
        }
    }

    private void askCharge(String command, DataInputStream fromServer, OutputStream toServer) throws IOException {
        BsonDocument ask = new BsonDocument("getLastRequestStatistics", new BsonInt32(1)).append("$db", new BsonString("admin"));
        toServer.write(opMsg(requestIds.incrementAndGet(), ask));
        toServer.flush();
        BsonDocument answer = body(readMessage(fromServer));
        if (answer == null || answer.getNumber("ok", new BsonDouble(0)).doubleValue() != 1.0 || !answer.containsKey("RequestCharge")) {
            supported = false;
            return;
        }
        supported = true;
        charges.accept(new Charge(command, answer.getNumber("RequestCharge").doubleValue()));
    }

    private static void pipe(InputStream fromServer, OutputStream toClient, InputStream fromClient, OutputStream toServer)
            throws IOException {
        Thread up = new Thread(() -> {
            try {
                fromClient.transferTo(toServer);
            } catch (IOException ignored) {
                // closed
            }
        }, "charge-proxy-pipe");
        up.setDaemon(true);
        up.start();
        fromServer.transferTo(toClient);
    }

    private static byte[] readMessage(DataInputStream in) throws IOException {
        byte[] header = new byte[4];
        in.readFully(header);
        int length = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt();
        byte[] message = new byte[length];
        System.arraycopy(header, 0, message, 0, 4);
        in.readFully(message, 4, length - 4);
        return message;
    }

    /** An OP_MSG's flag bits; -1 for any other op code (the legacy handshake, compressed messages). */
    private static int opMsgFlags(byte[] message) {
        ByteBuffer buffer = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        return buffer.getInt(12) == OP_MSG ? buffer.getInt(16) : -1;
    }

    /** The first field of an OP_MSG's body section: the command's name. */
    private static String commandName(byte[] message) {
        BsonDocument body = body(message);
        return body == null || body.isEmpty() ? null : body.getFirstKey();
    }

    private static BsonDocument body(byte[] message) {
        if (opMsgFlags(message) < 0 || message[20] != 0) {
            return null;
        }
        ByteBuffer section = ByteBuffer.wrap(message, 21, message.length - 21).slice().order(ByteOrder.LITTLE_ENDIAN);
        try (BsonBinaryReader reader = new BsonBinaryReader(section)) {
            return new BsonDocumentCodec().decode(reader, DecoderContext.builder().build());
        }
    }

    private static byte[] opMsg(int requestId, BsonDocument body) {
        RawBsonDocument raw = RawBsonDocument.parse(body.toJson());
        ByteBuffer bytes = raw.getByteBuffer().asNIO();
        int length = 16 + 4 + 1 + bytes.remaining();
        ByteBuffer message = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        message.putInt(length).putInt(requestId).putInt(0).putInt(OP_MSG).putInt(0).put((byte) 0).put(bytes);
        return message.array();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
