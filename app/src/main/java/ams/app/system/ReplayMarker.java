package ams.app.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A file that says a replay has wiped the stores and not finished rebuilding them. A rebuild runs
 * at_least_once ({@link ams.events.streams.RebuildProfile}): one cut off by a crash may have
 * applied some events twice, so the system must not serve from it; the only way on is to replay
 * again, which starts from scratch.
 */
final class ReplayMarker {

    private ReplayMarker() {}

    static Path path(SystemSettings settings) {
        return settings.dataDir()
                .resolve("state")
                .resolve("REPLAY-UNFINISHED" + settings.applicationIdSuffix());
    }

    static void mark(SystemSettings settings) {
        Path marker = path(settings);
        try {
            Files.createDirectories(marker.getParent());
            Files.writeString(
                    marker,
                    "A replay started at "
                            + Instant.now()
                            + " and has not finished; run `ams replay` again.\n");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the replay marker " + marker, e);
        }
    }

    static void clear(SystemSettings settings) {
        try {
            Files.deleteIfExists(path(settings));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the replay marker " + path(settings), e);
        }
    }

    static void refuseIfUnfinished(SystemSettings settings) {
        if (Files.exists(path(settings))) {
            throw new UnfinishedReplayException(
                    "A replay of "
                            + settings.dataDir()
                            + " was cut off before it finished ("
                            + path(settings)
                            + "): its stores may count some events twice. Run `ams replay` again; "
                            + "it rebuilds every store from scratch.");
        }
    }
}
