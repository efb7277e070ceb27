package ams.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `ams up` on stores a cut-off replay left: one line saying what to do, exit 1, no stack trace. */
class UnfinishedReplayCliTest {

    @Test
    void shouldRefuseToStartOnACutOffReplayWithOneLine(@TempDir Path dataDir) throws Exception {
        Path marker = dataDir.resolve("state").resolve("REPLAY-UNFINISHED");
        Files.createDirectories(marker.getParent());
        Files.writeString(marker, "cut off\n");
        StringWriter err = new StringWriter();
        CommandLine cli = Ams.commandLine();
        cli.setErr(new PrintWriter(err, true));
        // The refusal comes before any connection: the bootstrap address is never dialled.
        int exit =
                cli.execute(
                        "up",
                        "--data-dir",
                        dataDir.toString(),
                        "--bootstrap",
                        "127.0.0.1:1",
                        "--http-port",
                        "0");
        assertEquals(1, exit, err.toString());
        assertTrue(err.toString().startsWith("error: "), err.toString());
        assertTrue(err.toString().contains("ams replay"), err.toString());
        assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
    }
}
