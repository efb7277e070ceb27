package ams.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ams.agents.AgentProcessorConfig;
import ams.app.Ams;
import ams.conversations.ConversationConfig;
import ams.export.ExporterConfig;
import ams.knowledge.KnowledgeIndexerConfig;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParseResult;

/**
 * docker-compose.yml parses and agrees with the code: main classes exist, the {@code topics}
 * command is a valid {@code ams} command line, every processor reaches the compose broker, and
 * every AMS_* variable is one the processor's {@code *Config} actually reads. No Docker needed.
 */
class ComposeFileTest {

    /**
     * How each processor builds its configuration from the environment (exactly as its main does).
     */
    private static final Map<String, Function<Map<String, String>, AbstractConfig>> CONFIGS =
            Map.of(
                    "agent-processor",
                            env -> AgentProcessorConfig.fromEnvironment(env, new Properties()),
                    "knowledge-indexer",
                            env -> KnowledgeIndexerConfig.fromEnvironment(env, Map.of()),
                    "conversation-orchestrator",
                            env -> ConversationConfig.fromEnvironment(env, new Properties()),
                    "exporter", env -> ExporterConfig.fromEnvironment(env, Map.of()));

    /** Variables that are not AMS configuration but are fine in a container. */
    private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");

    private static final String BROKER = "kafka:9092";

    private final ComposeFile compose = ComposeFile.load();

    @Test
    void shouldDeclareTheBrokerTheTopicsJobAndOneServicePerProcessor() {
        Set<String> names = new java.util.TreeSet<>();
        compose.services().fieldNames().forEachRemaining(names::add);
        Set<String> expected = new java.util.TreeSet<>(ComposeFile.PROCESSORS.keySet());
        expected.add("kafka");
        expected.add("topics");
        expected.add("api");
        assertEquals(expected, names);
    }

    @Test
    void shouldRunTheApiInFrontOfTheProcessors() {
        List<String> command = compose.command("api");
        picocli.CommandLine.ParseResult parsed =
                Ams.commandLine().parseArgs(command.toArray(String[]::new));
        assertEquals("api", parsed.subcommand().commandSpec().name());
        Map<String, String> env = compose.environment("api");
        assertEquals("kafka:9092", env.get("AMS_BOOTSTRAP_SERVERS"));
        for (String url :
                List.of(
                        "AMS_AGENTS_URL",
                        "AMS_KNOWLEDGE_URL",
                        "AMS_CONVERSATIONS_URL",
                        "AMS_EXPORTER_URL")) {
            String host = URI.create(env.get(url)).getHost();
            assertTrue(compose.services().has(host), url + " points at a service: " + host);
        }
    }

    @Test
    void shouldRunKafkaInKraftModeAsASingleNode() {
        assertEquals("apache/kafka:4.1.2", compose.service("kafka").path("image").asText());
        Map<String, String> env = compose.environment("kafka");
        assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES"));
        String nodeId = env.get("KAFKA_NODE_ID");
        assertEquals(nodeId + "@kafka:9093", env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"));
        assertTrue(
                env.get("KAFKA_LISTENERS").contains("CONTROLLER://:9093"),
                env.get("KAFKA_LISTENERS"));
        assertTrue(
                env.get("KAFKA_LISTENERS").contains("PLAINTEXT://:9092"),
                env.get("KAFKA_LISTENERS"));
        assertTrue(
                List.of(env.get("KAFKA_ADVERTISED_LISTENERS").split(","))
                        .contains("PLAINTEXT://" + BROKER),
                "the processors' bootstrap address is advertised: "
                        + env.get("KAFKA_ADVERTISED_LISTENERS"));
        assertEquals("CONTROLLER", env.get("KAFKA_CONTROLLER_LISTENER_NAMES"));
        assertEquals("1", env.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"));
        assertEquals("1", env.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"));
        assertEquals("1", env.get("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"));
        // A KRaft cluster id is a base64url UUID: 22 characters, 16 bytes.
        assertEquals(16, java.util.Base64.getUrlDecoder().decode(env.get("CLUSTER_ID")).length);
        assertTrue(compose.service("kafka").path("healthcheck").path("test").isArray());
    }

    @Test
    void shouldRunEveryAmsServiceFromTheImageJibBuilds() throws IOException {
        String pom = Files.readString(compose.repositoryRoot().resolve("app/pom.xml"));
        assertTrue(
                pom.contains("<artifactId>jib-maven-plugin</artifactId>"),
                "app/pom.xml has the jib profile");
        assertTrue(
                Pattern.compile("<to>\\s*<image>" + Pattern.quote(ComposeFile.IMAGE) + "</image>")
                        .matcher(pom)
                        .find(),
                "Jib builds " + ComposeFile.IMAGE);
        assertTrue(
                pom.contains("<mainClass>" + Ams.class.getName() + "</mainClass>"),
                "the image's default entrypoint is ams");
        List<String> services = new ArrayList<>(ComposeFile.PROCESSORS.keySet());
        services.add("topics");
        for (String service : services) {
            assertEquals(
                    ComposeFile.IMAGE, compose.service(service).path("image").asText(), service);
        }
    }

    @Test
    void shouldStartEachProcessorsMainClassFromTheImagesClasspath() throws Exception {
        for (Map.Entry<String, String> processor : ComposeFile.PROCESSORS.entrySet()) {
            String service = processor.getKey();
            assertEquals(
                    List.of("java", "-cp", ComposeFile.CLASSPATH_FILE, processor.getValue()),
                    compose.entrypoint(service),
                    service + " entrypoint");
            Method main =
                    Class.forName(compose.mainClass(service)).getMethod("main", String[].class);
            assertTrue(
                    Modifier.isStatic(main.getModifiers())
                            && Modifier.isPublic(main.getModifiers()),
                    service + " main");
        }
    }

    @Test
    void shouldProvisionTopicsWithAValidAmsCommandLine() {
        JsonNode topics = compose.service("topics");
        assertTrue(
                topics.path("entrypoint").isMissingNode(),
                "topics uses the image's default entrypoint, ams");
        List<String> command = compose.command("topics");
        ParseResult parsed = Ams.commandLine().parseArgs(command.toArray(String[]::new));
        assertTrue(parsed.hasSubcommand(), "ams " + command);
        ParseResult sub = parsed.subcommand();
        assertEquals("topics", sub.commandSpec().name());
        assertEquals(BROKER, sub.matchedOptionValue("--bootstrap", null));
        String prefix = sub.matchedOptionValue("--topic-prefix", "ams.");
        for (String service : ComposeFile.PROCESSORS.keySet()) {
            assertEquals(
                    prefix,
                    compose.environment(service).getOrDefault("AMS_TOPIC_PREFIX", "ams."),
                    service + " reads the topics the topics job creates");
        }
        assertEquals("no", topics.path("restart").asText());
        assertEquals(
                "service_healthy",
                topics.path("depends_on").path("kafka").path("condition").asText());
    }

    @Test
    void shouldPointEveryProcessorAtTheComposeBrokerAfterTheTopicsExist() {
        for (String service : ComposeFile.PROCESSORS.keySet()) {
            assertEquals(
                    BROKER, compose.environment(service).get("AMS_BOOTSTRAP_SERVERS"), service);
            assertEquals(
                    BROKER,
                    CONFIGS.get(service)
                            .apply(compose.environment(service))
                            .getString("bootstrap.servers"),
                    service);
            assertEquals(
                    "service_completed_successfully",
                    compose.service(service)
                            .path("depends_on")
                            .path("topics")
                            .path("condition")
                            .asText(),
                    service);
        }
    }

    @Test
    void shouldOnlyUseVariablesTheProcessorsConfigReads() {
        List<String> problems = new ArrayList<>();
        for (String service : ComposeFile.PROCESSORS.keySet()) {
            Function<Map<String, String>, AbstractConfig> config = CONFIGS.get(service);
            Map<String, String> env = compose.environment(service);
            try {
                config.apply(env);
            } catch (RuntimeException e) {
                problems.add(
                        service
                                + ": the environment is not a valid configuration: "
                                + e.getMessage());
            }
            assertTrue(
                    config.apply(Map.of()).originals().isEmpty(),
                    "an empty environment sets nothing");
            for (Map.Entry<String, String> variable : env.entrySet()) {
                String name = variable.getKey();
                if (JVM_VARIABLES.contains(name)) {
                    continue;
                }
                if (!name.startsWith("AMS_")) {
                    problems.add(service + ": " + name + " is not an AMS_* variable");
                    continue;
                }
                // Blank values are "unset" for some configs; probe with a harmless string.
                String value = variable.getValue().isBlank() ? "probe" : variable.getValue();
                if (config.apply(Map.of(name, value)).originals().isEmpty()) {
                    problems.add(service + ": " + name + " is not read by its configuration");
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    @Test
    void shouldLetTheOrchestratorFindTheOtherProcessorsByServiceName() {
        Map<String, String> orchestrator = compose.environment("conversation-orchestrator");
        assertEquals(
                "http://agent-processor:"
                        + compose.environment("agent-processor").get("AMS_HTTP_PORT"),
                orchestrator.get("AMS_AGENTS_BASE_URL"));
        assertEquals(
                "http://knowledge-indexer:"
                        + compose.environment("knowledge-indexer").get("AMS_HTTP_PORT"),
                orchestrator.get("AMS_KNOWLEDGE_BASE_URL"));
        assertEquals("scripted", orchestrator.get("AMS_LLM_PROVIDER"), "offline by default");
    }

    @Test
    void shouldAdvertiseEachProcessorsHttpPortOnlyOnTheComposeNetwork() {
        for (String service : ComposeFile.PROCESSORS.keySet()) {
            Map<String, String> env = compose.environment(service);
            String port = env.get("AMS_HTTP_PORT");
            assertTrue(port != null && Integer.parseInt(port) > 0, service + " serves HTTP");
            assertTrue(
                    ComposeFile.strings(compose.service(service).path("expose")).contains(port),
                    service + " exposes its port on the compose network");
            // Published on the host, a processor's routes would bypass the API's token check.
            assertTrue(
                    compose.service(service).path("ports").isMissingNode(),
                    service + " must not publish a port on the host");
            String host = env.get("AMS_HTTP_HOST");
            assertFalse(
                    host == null || host.startsWith("127.") || host.equals("localhost"),
                    service + " must listen on the compose network, not on loopback");
            if (!service.equals("exporter")) {
                // application.server: other instances forward queries to this host.
                String advertised = env.getOrDefault("AMS_HTTP_ADVERTISED_HOST", host);
                assertEquals(service, advertised, service + " advertises its service name");
            }
            String probe =
                    String.join(
                            " ",
                            ComposeFile.strings(
                                    compose.service(service).path("healthcheck").path("test")));
            assertTrue(
                    probe.contains("/" + port + " "),
                    service + " healthcheck probes its own port: " + probe);
        }
    }

    @Test
    void shouldKeepStateAndDatasetsOnVolumes() {
        Set<String> named = new java.util.HashSet<>();
        compose.root().path("volumes").fieldNames().forEachRemaining(named::add);
        for (String service : ComposeFile.PROCESSORS.keySet()) {
            Map<String, String> env = compose.environment(service);
            List<String> volumes = ComposeFile.strings(compose.service(service).path("volumes"));
            for (String dir :
                    new String[] {env.get("AMS_STATE_DIR"), env.get("AMS_DATASET_ROOT")}) {
                if (dir == null) {
                    continue;
                }
                String mount =
                        volumes.stream()
                                .filter(v -> v.endsWith(":" + dir))
                                .findFirst()
                                .orElseThrow(
                                        () ->
                                                new AssertionError(
                                                        service
                                                                + ": nothing mounted at "
                                                                + dir
                                                                + " in "
                                                                + volumes));
                String source = mount.substring(0, mount.length() - dir.length() - 1);
                assertTrue(
                        source.startsWith(".") || source.startsWith("/") || named.contains(source),
                        service + ": volume " + source + " is declared");
            }
        }
        assertTrue(compose.environment("exporter").containsKey("AMS_DATASET_ROOT"));
        for (String service :
                List.of("agent-processor", "knowledge-indexer", "conversation-orchestrator")) {
            assertTrue(
                    compose.environment(service).containsKey("AMS_STATE_DIR"),
                    service + " keeps RocksDB state on a volume");
        }
    }

    @Test
    void shouldOnlyDependOnServicesThatExist() {
        compose.services()
                .properties()
                .forEach(
                        service ->
                                service.getValue()
                                        .path("depends_on")
                                        .fieldNames()
                                        .forEachRemaining(
                                                dependency ->
                                                        assertTrue(
                                                                compose.services().has(dependency),
                                                                service.getKey()
                                                                        + " depends on unknown "
                                                                        + dependency)));
    }

    @Test
    void shouldResolveComposeInterpolationToTheDefault() {
        assertEquals("scripted", ComposeFile.resolve("${AMS_LLM_PROVIDER:-scripted}"));
        assertEquals("", ComposeFile.resolve("${AMS_LLM_MODEL:-}"));
        assertEquals("x-y", ComposeFile.resolve("x-${NAME}y"));
    }
}
