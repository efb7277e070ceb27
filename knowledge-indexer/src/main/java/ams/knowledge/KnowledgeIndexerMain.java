package ams.knowledge;

import ams.events.http.BearerToken;
import io.javalin.Javalin;
import io.javalin.http.UnauthorizedResponse;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the knowledge indexer as its own process: configuration from {@code AMS_*} environment
 * variables (and {@code -Dkey=value} overrides of the config keys), HTTP on its own Javalin.
 */
public final class KnowledgeIndexerMain {

    private static final Logger log = LoggerFactory.getLogger(KnowledgeIndexerMain.class);

    private KnowledgeIndexerMain() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            log.info("Configuration keys:\n{}", KnowledgeIndexerConfig.help());
            return;
        }
        Map<String, Object> overrides = new java.util.HashMap<>();
        for (String key : KnowledgeIndexerConfig.DEFINITION.names()) {
            String value = System.getProperty(key);
            if (value != null) {
                overrides.put(key, value);
            }
        }
        KnowledgeIndexerConfig config =
                KnowledgeIndexerConfig.fromEnvironment(System.getenv(), overrides);
        KnowledgeIndexer indexer = KnowledgeIndexer.start(config);
        Javalin app = Javalin.create();
        // The token of the whole system guards this port too: reachable without it, the processor's
        // routes would bypass the API's check.
        config.apiToken()
                .ifPresent(
                        token ->
                                app.before(
                                        ctx -> {
                                            if (!token.admits(
                                                    ctx.path(), ctx.header("Authorization"))) {
                                                throw new UnauthorizedResponse(BearerToken.REFUSAL);
                                            }
                                        }));
        indexer.registerRoutes(app);
        app.start(
                config.getString(KnowledgeIndexerConfig.HTTP_HOST),
                config.getInt(KnowledgeIndexerConfig.HTTP_PORT));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    app.stop();
                                    indexer.close();
                                    done.countDown();
                                },
                                "knowledge-indexer-shutdown"));
        done.await();
    }
}
