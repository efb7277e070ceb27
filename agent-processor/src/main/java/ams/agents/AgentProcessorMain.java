package ams.agents;

import ams.service.ProcessMain;
import ams.service.config.CommonConfig;
import ams.service.fate.FateRoute;
import ams.service.http.ServiceHttp;
import java.io.IOException;
import java.util.List;

/**
 * The agent processor as its own process: {@code AgentProcessorMain [config.properties]}, then
 * environment variables ({@code AMS_<KEY>} for every key, e.g. AMS_BOOTSTRAP_SERVERS,
 * AMS_HTTP_PORT, and the older AMS_AGENTS_* names) override the file. Serves the agent routes on
 * http.host:http.port.
 */
public final class AgentProcessorMain {

    private AgentProcessorMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        AgentProcessorConfig config =
                AgentProcessorConfig.fromEnvironment(System.getenv(), ProcessMain.properties(args));
        AgentProcessor processor = AgentProcessor.start(config);
        ProcessMain.serve(
                "agent-processor",
                ServiceHttp.Options.of(config.apiToken())
                        .withForwardPort(config.getInt(CommonConfig.FORWARD_PORT)),
                config.getString(AgentProcessorConfig.HTTP_HOST),
                config.getInt(AgentProcessorConfig.HTTP_PORT),
                app -> {
                    processor.registerRoutes(app);
                    FateRoute.register(app, List.of(processor.fates()));
                },
                processor);
    }
}
