package ams.conversations.bench;

import ams.conversations.ConversationConfig;
import ams.conversations.ConversationOrchestrator;
import ams.conversations.statemachine.ConversationState;
import ams.conversations.statemachine.SpeakerSelection;
import ams.events.conversation.ConversationEvent;
import ams.events.topics.Topic;
import ams.service.http.ServiceHttp;
import ams.testkit.FreePorts;
import ams.testkit.KafkaCluster;
import ams.testkit.KafkaClusters;
import ams.testkit.TestEvents;
import ams.testkit.bench.OpenLoopLoad;
import ams.testkit.bench.ResultRows;
import ams.testkit.bench.RouteLoad;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Latency of {@code GET /conversations/{id}/messages} ({@code bench/run --only messages-queries}):
 * M conversations of T messages each, written as events on the conversation-events topic
 * (ConversationRequested, then one MessageAppended per turn by the round-robin speaker) and
 * materialized by the orchestrator's state machine into its {@code conversations} and {@code
 * messages} stores; no turns run (turns.enabled false), so nothing is generated. The orchestrator's
 * routes on the shared server ({@link ServiceHttp}) plus an empty route ({@code /bench/empty}) on
 * the same server as the raw limit; each gets an open-loop load at a fixed rate from a separate JVM
 * ({@link OpenLoopLoad}): first the empty route, then the messages of random conversations (each
 * answer holds all T messages).
 *
 * <p>Arguments: conversations (1,000), messages per conversation (20), rate (2,000 req/s), measured
 * seconds (60), warm-up seconds (20), connections (8), partitions (2). Broker: AMS_TEST_BOOTSTRAP
 * if set, else one embedded in this JVM.
 */
public final class MessagesQueryBench {

    private static final String SUITE = "messages-queries";
    private static final String EMPTY_ROUTE = "/bench/empty";
    private static final String STARTED = "bench.started";
    private static final double P99_GOAL_MILLIS = 3;
    private static final List<String> PARTICIPANTS = List.of("agent-a", "agent-b");
    private static final long SEED = 42L; // TestEvents.conversationRequested's

    private MessagesQueryBench() {}

    public static void main(String[] args) throws Exception {
        int conversations = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000;
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        double rate = args.length > 2 ? Double.parseDouble(args[2]) : 2_000;
        Duration measured = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 60);
        Duration warmUp = Duration.ofSeconds(args.length > 4 ? Long.parseLong(args[4]) : 20);
        int connections = args.length > 5 ? Integer.parseInt(args[5]) : 8;
        int partitions = args.length > 6 ? Integer.parseInt(args[6]) : 2;
        String run = "bench-mq-" + UUID.randomUUID().toString().substring(0, 6);
        try (KafkaCluster kafka = KafkaClusters.fromEnvironment()) {
            int port = FreePorts.next();
            Map<String, Object> props = new HashMap<>();
            props.put(ConversationConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            props.put(ConversationConfig.TOPIC_PREFIX, run + ".");
            props.put(ConversationConfig.TOPIC_PARTITIONS, partitions);
            props.put(ConversationConfig.APPLICATION_ID, run);
            props.put(
                    ConversationConfig.STATE_DIR,
                    Files.createTempDirectory("ams-mq-bench-").toString());
            props.put(ConversationConfig.HTTP_PORT, port);
            // The messages are written here as events: nothing is to be generated.
            props.put(ConversationConfig.TURNS_ENABLED, false);
            try (ConversationOrchestrator orchestrator =
                    ConversationOrchestrator.start(
                            new ConversationConfig(props),
                            agentId -> Optional.empty(),
                            (agentId, query, k) -> List.of())) {
                long loadStarted = System.nanoTime();
                produceConversations(
                        kafka.bootstrapServers(),
                        orchestrator.topics().conversationEvents(),
                        run,
                        conversations,
                        messages);
                awaitMaterialized(orchestrator, run, conversations, messages);
                System.out.printf(
                        Locale.ROOT,
                        "%d conversations x %d messages materialized in %.1f s%n",
                        conversations,
                        messages,
                        (System.nanoTime() - loadStarted) / 1e9);
                Recorder serverTime = RouteLoad.serverTimeRecorder();
                Javalin app = ServiceHttp.create(ServiceHttp.Options.of(Optional.empty()));
                // After the shared before handlers (token, query string), so those are not in it.
                app.before(ctx -> ctx.attribute(STARTED, System.nanoTime()));
                app.after(
                        ctx -> {
                            Long started = ctx.attribute(STARTED);
                            if (started != null) {
                                RouteLoad.recordServerTime(serverTime, started);
                            }
                        });
                app.get(EMPTY_ROUTE, ctx -> ServiceHttp.raw(ctx, 200, "{}"));
                orchestrator.registerRoutes(app);
                app.start("127.0.0.1", port);
                try {
                    int bytes = answersOk(port, messagesPath(run, conversations - 1), messages);
                    double idleCpuPerNano = RouteLoad.idleCpuPerNano();
                    RouteLoad.Phase empty =
                            RouteLoad.measure(
                                    "empty route",
                                    new OpenLoopLoad.Options(
                                            "127.0.0.1",
                                            port,
                                            EMPTY_ROUTE,
                                            1,
                                            rate,
                                            warmUp,
                                            measured,
                                            connections),
                                    serverTime,
                                    idleCpuPerNano);
                    RouteLoad.Phase route =
                            RouteLoad.measure(
                                    "GET /conversations/{id}/messages, " + messages + " messages",
                                    new OpenLoopLoad.Options(
                                            "127.0.0.1",
                                            port,
                                            "/conversations/" + run + "-conv-%06d/messages",
                                            conversations,
                                            rate,
                                            warmUp,
                                            measured,
                                            connections),
                                    serverTime,
                                    idleCpuPerNano);
                    RouteLoad.addEmptyRows(SUITE, empty);
                    RouteLoad.addRows(SUITE, empty, route, P99_GOAL_MILLIS);
                    ResultRows.add(
                            SUITE + ": answer size (" + messages + " messages)", bytes, "bytes");
                    System.out.println(RouteLoad.table(List.of(empty, route)));
                    System.out.printf(
                            Locale.ROOT,
                            "Settings: %d conversations x %d messages (answer %d bytes), %d"
                                    + " partitions, 1 stream thread, no turn workers; open loop at"
                                    + " %.0f req/s over %d keep-alive connections from its own"
                                    + " JVM, %d s warm-up, %d s measured per route.%n",
                            conversations,
                            messages,
                            bytes,
                            partitions,
                            rate,
                            connections,
                            warmUp.toSeconds(),
                            measured.toSeconds());
                    if (empty.load().errors() > 0 || route.load().errors() > 0) {
                        throw new IllegalStateException(
                                "requests failed (see the generator's output): the figures do"
                                        + " not count");
                    }
                } finally {
                    app.stop();
                }
            }
        }
    }

    /** The run's prefix keeps conversation ids apart on a broker shared by a whole bench/run. */
    private static String conversationId(String run, int c) {
        return String.format(Locale.ROOT, "%s-conv-%06d", run, c);
    }

    private static String messagesPath(String run, int c) {
        return "/conversations/" + conversationId(run, c) + "/messages";
    }

    /**
     * Each conversation: its request, then one message per turn by the speaker the state machine
     * expects (round robin), as the turn workers would have written them.
     */
    private static void produceConversations(
            String bootstrap,
            Topic<String, ConversationEvent> topic,
            String run,
            int conversations,
            int messages) {
        Map<String, Object> producerProps = new HashMap<>();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, ConversationEvent> producer =
                new KafkaProducer<>(
                        producerProps, new StringSerializer(), topic.valueSerde().serializer())) {
            for (int c = 0; c < conversations; c++) {
                String id = conversationId(run, c);
                send(
                        producer,
                        topic,
                        id,
                        TestEvents.conversationRequested(
                                id,
                                "benchmark topic " + c,
                                messages,
                                PARTICIPANTS.toArray(String[]::new)));
                String previous = null;
                for (int t = 0; t < messages; t++) {
                    String speaker =
                            SpeakerSelection.speakerFor(
                                    "ROUND_ROBIN", PARTICIPANTS, List.of(), SEED, t, previous);
                    send(
                            producer,
                            topic,
                            id,
                            TestEvents.messageAppended(id, t, speaker, content(c, t)));
                    previous = speaker;
                }
            }
            producer.flush();
        }
    }

    private static void send(
            KafkaProducer<String, ConversationEvent> producer,
            Topic<String, ConversationEvent> topic,
            String id,
            ConversationEvent event) {
        producer.send(new ProducerRecord<>(topic.name(), id, event));
    }

    /** A message of a few sentences, about the length of a model's turn in a chat. */
    private static String content(int conversation, int turn) {
        return "Turn "
                + turn
                + " of conversation "
                + conversation
                + ": Kafka keeps the events of one conversation in order on one partition, so"
                + " every replica of the state machine folds them the same way. The messages"
                + " store is keyed by conversation and sequence, and a range scan returns them in"
                + " the order they were said.";
    }

    private static void awaitMaterialized(
            ConversationOrchestrator orchestrator, String run, int conversations, int messages)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        int checked = 0; // conversations known complete, in id order
        while (checked < conversations) {
            try {
                Optional<ConversationState> state =
                        orchestrator.queries().conversation(conversationId(run, checked));
                if (state.isPresent() && state.get().messageCount() >= messages) {
                    checked++;
                    continue;
                }
            } catch (RuntimeException e) {
                // stores still starting or rebalancing: ask again
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only "
                                + checked
                                + " of "
                                + conversations
                                + " conversations materialized after 10 minutes");
            }
            Thread.sleep(50);
        }
    }

    /** One request before the load: the route answers 200 with every message. */
    private static int answersOk(int port, String path, int messages) throws Exception {
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + port + path))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        String body = response.body();
        int count = body.split("\"message_id\"", -1).length - 1;
        if (response.statusCode() != 200 || count != messages) {
            throw new IllegalStateException(
                    path
                            + " answered "
                            + response.statusCode()
                            + " with "
                            + count
                            + " messages: "
                            + body.substring(0, Math.min(500, body.length())));
        }
        return body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
