package ams.app;

import ams.app.client.EventPublisher;
import ams.app.rest.KnowledgeImages;
import ams.app.rest.KnowledgeVision;
import ams.app.rest.MediaRoutes;
import ams.app.rest.ProxyRoutes;
import ams.app.rest.RestConfig;
import ams.app.rest.RestServer;
import ams.app.system.MediaSettings;
import ams.events.http.BearerToken;
import ams.events.topics.TopicCatalogue;
import ams.service.media.MediaConfig;
import ams.service.media.MediaStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ams api}: the REST API alone, for deployments where every processor is its own process
 * (docker-compose). Writes publish events to Kafka; queries are passed to the processors.
 */
@Command(
        name = "api",
        mixinStandardHelpOptions = true,
        description = "Serve the REST API in front of processors that run as separate processes.")
final class ApiCommand implements Callable<Integer> {

    @Option(
            names = "--bootstrap",
            defaultValue = "${env:AMS_BOOTSTRAP_SERVERS:-localhost:9092}",
            description =
                    "Kafka bootstrap servers (env AMS_BOOTSTRAP_SERVERS). Default: ${DEFAULT-VALUE}")
    String bootstrap;

    @Option(
            names = "--topic-prefix",
            defaultValue = "${env:AMS_TOPIC_PREFIX:-ams.}",
            description = "Default: ${DEFAULT-VALUE}")
    String topicPrefix;

    @Option(
            names = "--http-host",
            defaultValue = "${env:AMS_HTTP_HOST:-127.0.0.1}",
            description = "Default: ${DEFAULT-VALUE}")
    String httpHost;

    @Option(
            names = "--http-port",
            defaultValue = "${env:AMS_HTTP_PORT:-8080}",
            description = "Default: ${DEFAULT-VALUE}")
    int httpPort;

    @Option(
            names = "--api-token",
            defaultValue = "${env:AMS_API_TOKEN}",
            description = "Require this bearer token.")
    String apiToken;

    @Option(
            names = "--agents-url",
            defaultValue = "${env:AMS_AGENTS_URL}",
            description = "agent-processor base URL (env AMS_AGENTS_URL).")
    String agentsUrl;

    @Option(
            names = "--knowledge-url",
            defaultValue = "${env:AMS_KNOWLEDGE_URL}",
            description = "knowledge-indexer base URL (env AMS_KNOWLEDGE_URL).")
    String knowledgeUrl;

    @Option(
            names = "--conversations-url",
            defaultValue = "${env:AMS_CONVERSATIONS_URL}",
            description = "conversation-orchestrator base URL (env AMS_CONVERSATIONS_URL).")
    String conversationsUrl;

    @Option(
            names = "--exporter-url",
            defaultValue = "${env:AMS_EXPORTER_URL}",
            description = "exporter base URL (env AMS_EXPORTER_URL).")
    String exporterUrl;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        TopicCatalogue topics =
                new TopicCatalogue(topicPrefix, TopicCatalogue.DEFAULT_PARTITIONS, (short) 1);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        EventPublisher publisher = new EventPublisher(bootstrap, topics);
        ProxyRoutes proxy =
                new ProxyRoutes(
                        new ProxyRoutes.Upstreams(
                                agentsUrl, knowledgeUrl, conversationsUrl, exporterUrl),
                        BearerToken.of(apiToken));
        // Media are written here and read by the orchestrator's turn workers: both must name the
        // same store (AMS_MEDIA_STORE; AMS_MEDIA_DIR on a shared volume, or AMS_MEDIA_S3_*).
        MediaSettings media =
                MediaSettings.fromEnvironment(
                        System.getenv(), java.nio.file.Path.of(MediaConfig.DEFAULT_DIR));
        MediaStore mediaStore = media.open();
        MediaRoutes mediaRoutes = new MediaRoutes(mediaStore, publisher, media.maxBytes());
        RestServer server =
                RestServer.start(
                        new RestConfig(
                                httpHost, httpPort, apiToken, RestConfig.DEFAULT_MAX_REQUEST_BYTES),
                        publisher,
                        admin,
                        List.of(),
                        List.of(proxy::register, mediaRoutes::register),
                        new KnowledgeImages(
                                mediaStore, KnowledgeVision.fromEnvironment(System.getenv())),
                        proxy.knownAgents());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    server.close();
                                    publisher.close();
                                    admin.close();
                                    stopped.countDown();
                                },
                                "ams-api-shutdown"));
        out.printf(
                "AMS-DB REST API on http://%s:%d in front of agents=%s knowledge=%s conversations=%s exporter=%s%n",
                httpHost, server.port(), agentsUrl, knowledgeUrl, conversationsUrl, exporterUrl);
        out.flush();
        stopped.await();
        return 0;
    }
}
