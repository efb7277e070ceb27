package ams.conversations;

import ams.conversations.http.HttpAgentDirectory;
import ams.conversations.http.HttpKnowledgeSearch;
import ams.service.ProcessMain;
import ams.service.config.CommonConfig;
import ams.service.fate.FateRoute;
import ams.service.http.ServiceHttp;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Runs the orchestrator as its own process: configuration from the environment and an optional
 * properties file (first argument), agents and knowledge from the other processors over HTTP.
 */
public final class ConversationOrchestratorMain {

    private ConversationOrchestratorMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        ConversationConfig config =
                ConversationConfig.fromEnvironment(System.getenv(), ProcessMain.properties(args));
        Duration timeout = Duration.ofSeconds(10);
        ConversationOrchestrator orchestrator =
                ConversationOrchestrator.start(
                        config,
                        new HttpAgentDirectory(
                                config.getString(ConversationConfig.AGENTS_BASE_URL),
                                timeout,
                                config.apiToken()),
                        new HttpKnowledgeSearch(
                                config.getString(ConversationConfig.KNOWLEDGE_BASE_URL),
                                timeout,
                                config.apiToken()));
        ProcessMain.serve(
                "conversation-orchestrator",
                ServiceHttp.Options.of(config.apiToken())
                        .withForwardPort(config.getInt(CommonConfig.FORWARD_PORT)),
                config.getString(ConversationConfig.HTTP_HOST),
                config.getInt(ConversationConfig.HTTP_PORT),
                app -> {
                    orchestrator.registerRoutes(app);
                    FateRoute.register(app, List.of(orchestrator.fates()));
                },
                orchestrator);
    }
}
