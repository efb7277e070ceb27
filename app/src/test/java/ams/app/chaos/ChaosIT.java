package ams.app.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short form of the chaos test in the default build (issue #8): {@link ChaosSizes#ci()}, i.e.
 * 30 conversations of 3 agents x 8 turns under at least 8 kill -9s, with bad records on every topic
 * and malformed requests at the API. Fails on any loss, printing the whole report.
 */
class ChaosIT {

    @Test
    void shouldLoseNothingWhileProcessesAreKilled(@TempDir Path work) throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        PrintStream tee =
                new PrintStream(new TeeStream(System.out, progress), true, StandardCharsets.UTF_8);
        ChaosReport report = ChaosRun.run(ChaosSizes.ci(), work, tee);
        report.print(tee);
        assertTrue(
                report.passed(),
                "chaos run lost something:\n" + progress.toString(StandardCharsets.UTF_8));
    }

    /** Progress goes to the console as it happens and into the failure message. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
