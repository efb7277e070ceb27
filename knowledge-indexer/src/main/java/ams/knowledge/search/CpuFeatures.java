package ams.knowledge.search;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What the sketch stage asks of the CPU: whether C2 will turn a loop of 32-bit popcounts into
 * AVX-512 vector popcounts. That needs the CPU's {@code avx512_vpopcntdq} and a JVM using AVX-512
 * ({@code -XX:UseAVX=3}, its default there). Linux says the first in /proc/cpuinfo; elsewhere, or
 * when unsure, the answer is no, which only costs speed. {@code -Dams.knowledge.vectorPopcount}
 * overrides both.
 */
final class CpuFeatures {

    private CpuFeatures() {}

    static boolean vectorPopcount() {
        String forced = System.getProperty("ams.knowledge.vectorPopcount");
        if (forced != null) {
            return Boolean.parseBoolean(forced);
        }
        return usesAvx512() && cpuFlag("avx512_vpopcntdq");
    }

    private static boolean usesAvx512() {
        try {
            String value =
                    ManagementFactory.getPlatformMXBean(
                                    com.sun.management.HotSpotDiagnosticMXBean.class)
                            .getVMOption("UseAVX")
                            .getValue();
            return Integer.parseInt(value) >= 3;
        } catch (RuntimeException e) {
            // Not HotSpot, or no such option: assume no AVX-512.
            return false;
        }
    }

    private static boolean cpuFlag(String flag) {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return false;
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("flags"))
                    .findFirst()
                    .map(line -> (" " + line + " ").contains(" " + flag + " "))
                    .orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
