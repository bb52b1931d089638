package ai.mozaiks.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * The CPU time this JVM spent over an interval, and how long its JIT compiler threads were compiling meanwhile (their
 * elapsed time, which may pass the CPU they got): on a small machine a burst's latency is its CPU, and compilation still
 * going on takes CPU the measured code did not ask for.
 */
record Cpu(long processMillis, long compileMillis) {
    /** Whether the compiler was busy for less than a tenth of the interval's CPU: the code run is compiled by now. */
    boolean quiet() {
        return compileMillis * 10 < processMillis;
    }

    static Meter meter() {
        return new Meter(cpuNanosNow(), compileMillisSoFar());
    }

    /** The readings an interval started from. */
    record Meter(long processNanos, long compileMillis) {
        Cpu stop() {
            return new Cpu((cpuNanosNow() - processNanos) / 1_000_000, compileMillisSoFar() - compileMillis);
        }
    }

    private static long cpuNanosNow() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long compileMillisSoFar() {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        return compiler != null && compiler.isCompilationTimeMonitoringSupported() ? compiler.getTotalCompilationTime() : 0;
    }
}
