package ai.mozaiks.devhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The devhost's command line and its one-devhost-per-checkout lock. */
class DevHostIT {

    @TempDir
    Path temp;

    // ---- DevHostOptions ----------------------------------------------------------------------------

    @Test
    void noArgumentsMeansDefaults() {
        assertEquals(new DevHostOptions(7071, false, false, false, null), DevHostOptions.parse());
    }

    @Test
    void everyOptionIsRead() {
        assertEquals(new DevHostOptions(8080, true, true, false, null),
                DevHostOptions.parse("--port", "8080", "--fresh", "--emulators-only"));
        assertEquals(new DevHostOptions(7071, false, false, true, null), DevHostOptions.parse("--help"));
        assertEquals(new DevHostOptions(7071, false, false, true, null), DevHostOptions.parse("-h"));
        assertEquals(new DevHostOptions(1, false, false, false, null), DevHostOptions.parse("--port", "1"));
        assertEquals(new DevHostOptions(65535, false, false, false, null), DevHostOptions.parse("--port", "65535"));
        assertEquals(new DevHostOptions(7071, false, false, false, "mongodb+srv://u:p@c.mongocluster.cosmos.azure.com/?tls=true"),
                DevHostOptions.parse("--mongodb", "mongodb+srv://u:p@c.mongocluster.cosmos.azure.com/?tls=true"));
        IllegalArgumentException noUri = assertThrows(IllegalArgumentException.class, () -> DevHostOptions.parse("--mongodb", "--fresh"));
        assertTrue(noUri.getMessage().startsWith("--mongodb needs a mongodb:// or mongodb+srv:// connection string\n"), noUri.getMessage());
        // The last --port wins.
        assertEquals(9000, DevHostOptions.parse("--port", "8000", "--port", "9000").port());
    }

    @Test
    void badPortsAreRefusedWithTheValue() {
        for (String bad : List.of("0", "65536", "-1", "abc", "80.5")) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> DevHostOptions.parse("--port", bad));
            assertEquals("--port takes a number from 1 to 65535, not " + bad, error.getMessage());
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> DevHostOptions.parse("--fresh", "--port"));
        assertTrue(missing.getMessage().startsWith("--port needs a number\n"), missing.getMessage());
        assertTrue(missing.getMessage().contains(DevHostOptions.USAGE), missing.getMessage());
    }

    @Test
    void unknownOptionIsNamedWithTheUsage() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> DevHostOptions.parse("--fresh", "--bogus"));
        assertEquals("unknown option --bogus\n" + DevHostOptions.USAGE, error.getMessage());
        assertTrue(error.getMessage().contains("Usage: ./run-local [--port N] [--fresh] [--emulators-only] [--mongodb CONNECTION_STRING]"));
        assertThrows(IllegalArgumentException.class, () -> DevHostOptions.parse("8080"));
    }

    // ---- ProcessLock -------------------------------------------------------------------------------

    @Test
    void lockCreatesItsDirectoryAndRecordsThePid() throws IOException {
        Path file = temp.resolve("state/nested/devhost.lock");
        try (ProcessLock ignored = ProcessLock.acquire(file)) {
            assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(file));
        }
    }

    @Test
    void secondDevhostIsRefusedWhileTheFirstHoldsTheLockAndMayStartOnceItIsReleased() throws Exception {
        Path file = temp.resolve(".devhost/devhost.lock");
        Process holder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked " + holder.pid(), out.readLine(), "the holder process reports its lock");

            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ProcessLock.acquire(file));
            assertTrue(refused.getMessage().contains("already running"), refused.getMessage());
            assertTrue(refused.getMessage().contains("(pid " + holder.pid() + ")"), refused.getMessage());

            try (OutputStream in = holder.getOutputStream()) {
                in.write("release\n".getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS), "holder did not exit");
            assertEquals(0, holder.exitValue());

            try (ProcessLock lock = ProcessLock.acquire(file)) {
                assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(file));
            }
        } finally {
            if (holder.isAlive()) {
                holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void releasedLockCanBeTakenAgain() throws IOException {
        Path file = temp.resolve("devhost.lock");
        ProcessLock first = ProcessLock.acquire(file);
        first.close();
        try (ProcessLock second = ProcessLock.acquire(file)) {
            assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(file));
        }
        try (ProcessLock third = ProcessLock.acquire(file)) {
            assertFalse(Files.readString(file).isBlank());
        }
    }

    @Test
    void secondAcquireInTheSameProcessSaysAlreadyRunning() throws IOException {
        Path file = temp.resolve("same-jvm/devhost.lock");
        try (ProcessLock first = ProcessLock.acquire(file)) {
            // Within one JVM FileChannel.tryLock throws OverlappingFileLockException instead of returning null.
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ProcessLock.acquire(file));
            assertTrue(refused.getMessage() != null && refused.getMessage().contains("already running"),
                    "message: " + refused.getMessage() + " (" + refused.getClass().getName() + ")");
        }
    }

    /** Run in a second JVM: holds the lock until a line arrives on standard input. */
    public static final class LockHolder {
        private LockHolder() {
        }

        public static void main(String[] args) throws IOException {
            try (ProcessLock lock = ProcessLock.acquire(Path.of(args[0]))) {
                System.out.println("locked " + ProcessHandle.current().pid());
                System.out.flush();
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
        }
    }
}
