package ams.export;

import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.javalin.Javalin;

/** The exporter as its own process: configured from AMS_* environment variables. */
public final class ExporterMain {

    private static final Logger log = LoggerFactory.getLogger(ExporterMain.class);

    private ExporterMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ExporterConfig config = ExporterConfig.fromEnvironment(System.getenv(), Map.of());
        Exporter exporter = Exporter.start(config);
        Javalin http = null;
        if (config.httpPort() > 0) {
            http = Javalin.create(c -> c.showJavalinBanner = false);
            exporter.registerRoutes(http);
            http.start(config.httpHost(), config.httpPort());
        }
        CountDownLatch done = new CountDownLatch(1);
        Javalin server = http;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Shutting down the exporter");
            exporter.close();
            if (server != null) {
                server.stop();
            }
            done.countDown();
        }, "ams-exporter-shutdown"));
        done.await();
    }
}
