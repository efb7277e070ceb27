package ams.app;

import ams.app.system.SystemSettings;
import picocli.CommandLine.Option;

/**
 * Options of a command that runs the whole system in this JVM ({@code ams up}, {@code ams demo}).
 */
final class SystemOptions {

    @Option(
            names = "--http-port",
            defaultValue = "${env:AMS_HTTP_PORT:-8080}",
            description = "REST API port on 127.0.0.1. Default: ${DEFAULT-VALUE}")
    int httpPort;

    @Option(
            names = "--http-host",
            defaultValue = "${env:AMS_HTTP_HOST:-127.0.0.1}",
            description = "REST API address. Default: ${DEFAULT-VALUE}")
    String httpHost;

    @Option(
            names = "--api-token",
            defaultValue = "${env:AMS_API_TOKEN}",
            description = "Require this bearer token on the REST API (env AMS_API_TOKEN).")
    String apiToken;

    @Option(
            names = "--partitions",
            defaultValue = "3",
            description = "Partitions of new topics. Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(
            names = "--llm-provider",
            defaultValue = "${env:AMS_LLM_PROVIDER:-scripted}",
            description =
                    "scripted (offline, labelled as such), openai or ollama (env AMS_LLM_PROVIDER). Default: ${DEFAULT-VALUE}")
    String llmProvider;

    @Option(
            names = "--llm-base-url",
            defaultValue = "${env:AMS_LLM_BASE_URL}",
            description = "Endpoint of an OpenAI-compatible server (include /v1) or Ollama.")
    String llmBaseUrl;

    @Option(
            names = "--llm-model",
            defaultValue = "${env:AMS_LLM_MODEL}",
            description = "Model name for the provider.")
    String llmModel;

    @Option(
            names = "--llm-api-key",
            defaultValue = "${env:AMS_LLM_API_KEY}",
            description = "API key (env AMS_LLM_API_KEY).")
    String llmApiKey;

    SystemSettings settings(BrokerOptions broker, String bootstrapServers, long exportRotateMs) {
        return new SystemSettings(
                bootstrapServers,
                broker.topicPrefix,
                partitions,
                broker.dataDir,
                httpHost,
                httpPort,
                apiToken,
                llmProvider,
                llmBaseUrl,
                llmModel,
                llmApiKey,
                "",
                exportRotateMs,
                false);
    }
}
