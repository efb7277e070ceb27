package ams.app;

import ams.app.system.AmsSystem;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ams up}: the whole system in this JVM until Ctrl-C. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description =
                "Run everything in one JVM: embedded Kafka (unless --bootstrap), all processors and the REST API.")
final class UpCommand implements Callable<Integer> {

    @Mixin BrokerOptions broker;

    @Mixin SystemOptions system;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long started = System.nanoTime();
        BrokerOptions.Connection connection = broker.connect();
        AmsSystem ams;
        try {
            ams = AmsSystem.start(system.settings(broker, connection.bootstrapServers(), 60_000));
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        // Ctrl-C: the hook stops the system and the broker cleanly before the JVM exits.
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    ams.close();
                                    connection.close();
                                    stopped.countDown();
                                },
                                "ams-shutdown"));
        {
            ams.awaitReady(Duration.ofMinutes(2));
            out.printf(
                    "AMS-DB ready in %d ms: REST API http://%s:%d (OpenAPI /openapi.json), Kafka %s, LLM provider %s%n",
                    (System.nanoTime() - started) / 1_000_000,
                    system.httpHost,
                    ams.httpPort(),
                    connection.bootstrapServers(),
                    system.llmProvider);
            out.println("Press Ctrl-C to stop.");
            out.flush();
            stopped.await();
        }
        return 0;
    }
}
