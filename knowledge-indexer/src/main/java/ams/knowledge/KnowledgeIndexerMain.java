package ams.knowledge;

import ams.service.ProcessMain;
import ams.service.config.CommonConfig;
import ams.service.fate.FateRoute;
import ams.service.http.ServiceHttp;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The knowledge indexer as its own process: {@code KnowledgeIndexerMain [config.properties]}, then
 * environment variables ({@code AMS_<KEY>} for every key), then {@code -Dkey=value} system
 * properties of the config keys; {@code --help} lists the keys.
 */
public final class KnowledgeIndexerMain {

    private static final Logger log = LoggerFactory.getLogger(KnowledgeIndexerMain.class);

    private KnowledgeIndexerMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            log.info("Configuration keys:\n{}", KnowledgeIndexerConfig.help());
            return;
        }
        KnowledgeIndexerConfig config =
                KnowledgeIndexerConfig.fromEnvironment(
                        System.getenv(), ProcessMain.properties(args), systemOverrides());
        KnowledgeIndexer indexer = KnowledgeIndexer.start(config);
        ProcessMain.serve(
                "knowledge-indexer",
                ServiceHttp.Options.of(config.apiToken())
                        .withForwardPort(config.getInt(CommonConfig.FORWARD_PORT)),
                config.getString(KnowledgeIndexerConfig.HTTP_HOST),
                config.getInt(KnowledgeIndexerConfig.HTTP_PORT),
                app -> {
                    indexer.registerRoutes(app);
                    FateRoute.register(app, List.of(indexer.fates()));
                },
                indexer);
    }

    /** {@code -Dkey=value} for the config keys (how a test harness sets a key without a file). */
    private static Map<String, String> systemOverrides() {
        Map<String, String> overrides = new HashMap<>();
        for (String key : KnowledgeIndexerConfig.DEFINITION.names()) {
            String value = System.getProperty(key);
            if (value != null) {
                overrides.put(key, value);
            }
        }
        return overrides;
    }
}
