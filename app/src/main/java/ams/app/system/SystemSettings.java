package ams.app.system;

import java.nio.file.Path;

/**
 * Everything {@code ams up} needs to run the whole system in one JVM: where Kafka is, where local
 * state and datasets go, where the API listens, and which LLM answers (scripted unless configured).
 */
public record SystemSettings(
        String bootstrapServers,
        String topicPrefix,
        int partitions,
        Path dataDir,
        String httpHost,
        int httpPort,
        String apiToken,
        String llmProvider,
        String llmBaseUrl,
        String llmModel,
        String llmApiKey,
        String applicationIdSuffix,
        long exportRotateMs,
        boolean rebuildOnly) {

    public Path stateDir(String module) {
        return dataDir.resolve("state").resolve(module + applicationIdSuffix);
    }

    /**
     * Application id (consumer group, internal topic prefix) of a processor: under the topic
     * prefix, so two systems with different prefixes share a cluster without sharing internal
     * topics.
     */
    public String applicationId(String module) {
        return topicPrefix + module + applicationIdSuffix;
    }

    public Path datasetRoot() {
        return dataDir.resolve("datasets");
    }

    /** The same system under fresh application ids and state: what a replay rebuilds into. */
    public SystemSettings withApplicationIdSuffix(String suffix) {
        return new SystemSettings(
                bootstrapServers,
                topicPrefix,
                partitions,
                dataDir,
                httpHost,
                httpPort,
                apiToken,
                llmProvider,
                llmBaseUrl,
                llmModel,
                llmApiKey,
                suffix,
                exportRotateMs,
                rebuildOnly);
    }

    /**
     * The system as a replay runs it: the orchestrator rebuilds its stores without emitting events
     * or calling models.
     */
    public SystemSettings rebuilding() {
        return new SystemSettings(
                bootstrapServers,
                topicPrefix,
                partitions,
                dataDir,
                httpHost,
                httpPort,
                apiToken,
                llmProvider,
                llmBaseUrl,
                llmModel,
                llmApiKey,
                applicationIdSuffix,
                exportRotateMs,
                true);
    }

    public SystemSettings withHttpPort(int port) {
        return new SystemSettings(
                bootstrapServers,
                topicPrefix,
                partitions,
                dataDir,
                httpHost,
                port,
                apiToken,
                llmProvider,
                llmBaseUrl,
                llmModel,
                llmApiKey,
                applicationIdSuffix,
                exportRotateMs,
                rebuildOnly);
    }
}
