package ams.app.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.ParseException;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * A flight recording of the rebuild only, when {@code -Dams.bench.jfr=<file>} is given: a recording
 * started with the JVM ({@code -XX:StartFlightRecording}) would mostly show the first build, which
 * embeds the documents and runs under exactly-once.
 */
final class RebuildRecording implements AutoCloseable {

    private final Recording recording;
    private final Path file;

    private RebuildRecording(Recording recording, Path file) {
        this.recording = recording;
        this.file = file;
    }

    static RebuildRecording fromProperty() {
        String file = System.getProperty("ams.bench.jfr");
        if (file == null || file.isBlank()) {
            return new RebuildRecording(null, null);
        }
        try {
            Recording recording =
                    new Recording(
                            Configuration.getConfiguration(
                                    System.getProperty("ams.bench.jfr.settings", "default")));
            recording.start();
            return new RebuildRecording(recording, Path.of(file));
        } catch (IOException | ParseException e) {
            throw new IllegalStateException("Cannot start the flight recording: " + e, e);
        }
    }

    /** Stops the recording and writes it (once caught up, before the digests are read). */
    void stop() {
        if (recording == null || recording.getState() != jdk.jfr.RecordingState.RUNNING) {
            return;
        }
        recording.stop();
        try {
            recording.dump(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (recording != null) {
            stop();
            recording.close();
        }
    }
}
