package ams.service;

import ams.service.http.ServiceHttp;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every processor's {@code main} does, once: read the optional properties file named by the
 * first argument, serve the processor's routes on the shared HTTP setup, and stop the server and
 * then the processor on shutdown.
 */
public final class ProcessMain {

    private static final Logger log = LoggerFactory.getLogger(ProcessMain.class);

    private ProcessMain() {}

    /**
     * Whether something listens on {@code address} already (what a server binding it would fail
     * on): for a one-line error naming the port before the failure would come with a stack trace,
     * or before a process takes an identity that belongs to whoever holds the port.
     */
    public static boolean portInUse(InetSocketAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(address);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** The properties file named by {@code args[0]}, or none. */
    public static Properties properties(String[] args) throws IOException {
        Properties file = new Properties();
        if (args.length > 0) {
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                file.load(in);
            }
        }
        return file;
    }

    /**
     * Serves {@code routes} on {@code host:port} and blocks until the JVM shuts down, then stops
     * the server (no new requests) and closes {@code processor}.
     */
    public static void serve(
            String name,
            ServiceHttp.Options options,
            String host,
            int port,
            Consumer<Javalin> routes,
            AutoCloseable processor)
            throws InterruptedException {
        // A forward port that cannot be opened fails the start with its own message
        // (ForwardPort.open).
        int forwardPort = options.forwardPort();
        Javalin http = ServiceHttp.create(options);
        routes.accept(http);
        http.start(host, port);
        log.info(
                "{} serving on http://{}:{}{}{}",
                name,
                host,
                http.port(),
                forwardPort != 0 ? ", forwarded queries on port " + forwardPort : "",
                options.token().isPresent() ? " (bearer token required)" : "");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    log.info("Shutting down {}", name);
                                    http.stop();
                                    try {
                                        processor.close();
                                    } catch (Exception e) {
                                        log.warn("Closing {} failed", name, e);
                                    }
                                    stopped.countDown();
                                },
                                name + "-shutdown"));
        stopped.await();
    }
}
