package ai.mozaiks.devhost.controlplane;

import ai.mozaiks.http.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The function host's log lines while a test runs (JSON lines on standard output, as the host writes them): how
 * each step delivery ended, and which failed for the queue to redeliver.
 */
final class HostLog implements AutoCloseable {
    private final PrintStream original = System.out;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    HostLog() {
        System.setOut(new PrintStream(new TeeStream(original, copy), true, StandardCharsets.UTF_8));
    }

    List<String> lines() {
        synchronized (copy) {
            return copy.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** Step deliveries the host had to redeliver (a failed function run). */
    long failedDeliveries() {
        return lines().stream().filter(line -> line.contains("\"runStep\"") && line.contains("failed for message")).count();
    }

    /** How step deliveries of chat {@code chatId} ended: the outcomes the step trigger logged. */
    List<String> outcomes(String chatId) {
        return lines().stream().filter(line -> line.contains("step done") && line.contains(chatId))
                .map(line -> Json.read(line).path("outcome").asText()).toList();
    }

    @Override
    public void close() {
        System.setOut(original);
    }

    private static final class TeeStream extends OutputStream {
        private final OutputStream first;
        private final ByteArrayOutputStream second;

        TeeStream(OutputStream first, ByteArrayOutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            synchronized (second) {
                second.write(b);
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            first.write(bytes, offset, length);
            synchronized (second) {
                second.write(bytes, offset, length);
            }
        }

        @Override
        public void flush() throws IOException {
            first.flush();
        }
    }
}
