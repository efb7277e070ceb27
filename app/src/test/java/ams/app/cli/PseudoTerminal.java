package ams.app.cli;

import static org.junit.jupiter.api.Assertions.fail;

import ams.testkit.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command run in its own JVM on a pseudo-terminal, driven like a person at a keyboard (an expect
 * in Java): util-linux's {@code script} gives the child a real tty, this class types lines into it
 * and waits for text to appear on its screen.
 */
final class PseudoTerminal implements AutoCloseable {

    private final Process process;
    private final OutputStream keyboard;
    private final StringBuilder screen = new StringBuilder();
    private int mark;

    private PseudoTerminal(Process process) {
        this.process = process;
        this.keyboard = process.getOutputStream();
        Thread reader = new Thread(this::readScreen, "pty-screen");
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs {@code ams.app.Ams} with these arguments on this JVM's class path in a pty. */
    static PseudoTerminal ams(List<String> args) throws IOException {
        Path script = Path.of("/usr/bin/script");
        if (!Files.isExecutable(script)) {
            fail("util-linux 'script' (Debian package bsdutils) is needed to give the CLI a tty");
        }
        List<String> java = ChildJvm.command(List.of("-Xmx256m"), "ams.app.Ams", args);
        String command = String.join(" ", java.stream().map(PseudoTerminal::quote).toList());
        Process process =
                new ProcessBuilder(script.toString(), "-qfec", command, "/dev/null")
                        .redirectErrorStream(true)
                        .start();
        return new PseudoTerminal(process);
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private void readScreen() {
        byte[] buffer = new byte[8192];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                String text = new String(buffer, 0, n, StandardCharsets.UTF_8).replace("\r", "");
                synchronized (screen) {
                    screen.append(text);
                    screen.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** Types a line and presses enter. */
    void type(String line) throws IOException {
        keyboard.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
    }

    /**
     * Waits until text matching {@code regex} appears after what earlier expectations consumed;
     * returns the match and moves past it.
     */
    Matcher expect(String regex, Duration timeout) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (screen) {
            while (true) {
                Matcher m = pattern.matcher(screen);
                if (m.find(mark)) {
                    mark = m.end();
                    return m;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail(
                            "Waited "
                                    + timeout
                                    + " for /"
                                    + regex
                                    + "/ on the terminal; it shows after the last match:\n"
                                    + screen.substring(mark)
                                    + "\n--- whole screen ---\n"
                                    + screen);
                }
                screen.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    String screen() {
        synchronized (screen) {
            return screen.toString();
        }
    }

    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            fail("The command did not exit within " + timeout + "; screen:\n" + screen());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
