package ams.app.system;

import ams.testkit.openai.FakeOpenAiServer;
import java.nio.file.Path;

/**
 * The settings the system tests start an in-process `ams up` with: scripted or fake model, no
 * token.
 */
public final class TestSystemSettings {

    private TestSystemSettings() {}

    /** Two partitions, the scripted (offline) responder, exporter files rotated every 2 s. */
    public static SystemSettings scripted(
            String bootstrapServers, String topicPrefix, Path dataDir, int httpPort) {
        return new SystemSettings(
                bootstrapServers,
                topicPrefix,
                2,
                dataDir,
                "127.0.0.1",
                httpPort,
                null,
                "scripted",
                null,
                null,
                null,
                "",
                2_000,
                false);
    }

    /** As {@link #scripted}, with an OpenAI-compatible model at {@code baseUrl} (a fake server). */
    public static SystemSettings openAi(
            String bootstrapServers,
            String topicPrefix,
            Path dataDir,
            int httpPort,
            String baseUrl) {
        return new SystemSettings(
                bootstrapServers,
                topicPrefix,
                2,
                dataDir,
                "127.0.0.1",
                httpPort,
                null,
                "openai",
                baseUrl,
                FakeOpenAiServer.MODEL,
                null,
                "",
                2_000,
                false);
    }
}
