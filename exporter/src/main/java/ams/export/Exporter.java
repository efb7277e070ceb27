package ams.export;

import ams.export.http.ExporterHttp;
import ams.export.sink.ConversationSink;
import ams.export.sink.SinkStatus;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter running in this JVM: the continuous sink on its own thread. What the {@code app}
 * module starts in-process, and what {@link ExporterMain} starts alone.
 */
public final class Exporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Exporter.class);

    private final ExporterConfig config;
    private final ConversationSink sink;
    private final Thread thread;

    private Exporter(ExporterConfig config, Optional<String> instanceId) {
        this.config = config;
        this.sink = new ConversationSink(config, instanceId);
        this.thread = new Thread(sink, "ams-exporter-sink");
    }

    /** Starts the sink as a dynamic member of its group. */
    public static Exporter start(ExporterConfig config) {
        return start(config, Optional.empty());
    }

    /**
     * Starts the sink, as a static member of its group under {@code instanceId} when given (see
     * {@link ConversationSink#ConversationSink(ExporterConfig, Optional)}).
     */
    public static Exporter start(ExporterConfig config, Optional<String> instanceId) {
        Exporter exporter = new Exporter(config, instanceId);
        exporter.thread.setUncaughtExceptionHandler((t, e) -> log.error("Exporter sink died", e));
        exporter.thread.start();
        return exporter;
    }

    public ExporterConfig config() {
        return config;
    }

    public SinkStatus status() {
        return sink.status();
    }

    /** Registers the exporter's routes on the caller's server. */
    public void registerRoutes(Javalin app) {
        new ExporterHttp(this).register(app);
    }

    @Override
    public void close() {
        sink.close();
        try {
            thread.join(Duration.ofSeconds(60).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
