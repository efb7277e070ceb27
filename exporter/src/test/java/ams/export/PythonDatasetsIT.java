package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ams.events.MediaRef;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.topics.TopicCatalogue;
import ams.export.dataset.DatasetExport;
import ams.export.dataset.DatasetFormat;
import ams.export.dataset.SpeakerViews;
import ams.export.dataset.Splits;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every view an export writes, loaded the way the README tells users to: with pandas, pyarrow and
 * Hugging Face {@code datasets} ({@code src/test/python/check_datasets.py}: splits and rows as the
 * dataset card says, the card's configs and features, roles alternating, the sink's messages
 * Parquet and turns JSONL). Needs a Python with {@code datasets}, {@code pandas} and {@code
 * pyarrow}: the system property {@code ams.test.python} or the environment variable {@code
 * AMS_TEST_PYTHON} names its interpreter, else {@code python3} on the PATH is tried; without one
 * the test is skipped and says why (e.g. {@code python3 -m venv /tmp/dsvenv && /tmp/dsvenv/bin/pip
 * install datasets pandas pyarrow}, then {@code -Dams.test.python=/tmp/dsvenv/bin/python}).
 */
@ExtendWith(KafkaClusterExtension.class)
class PythonDatasetsIT {

    private static final Path CHECKER = Path.of("src/test/python/check_datasets.py");
    private static final int CONVERSATIONS = 30;
    private static final String[] WORDS =
            ("wizard question careful arcane lore practical engineering index cache measure"
                            + " incantation magic naming partition offset parquet column river"
                            + " mountain lantern harbour compass orchard violin")
                    .split(" ");

    @Test
    @SuppressWarnings("try") // the exporter runs while the body waits for its files
    void everyViewLoadsInPandasPyarrowAndHuggingFaceDatasets(TestKafka kafka, @TempDir Path tmp)
            throws Exception {
        String python = python(tmp.resolve("hf-probe"));

        TopicCatalogue catalogue = kafka.newCatalogue(2);
        kafka.send(catalogue.agentEvents(), "a", TestEvents.agentCreated("a", "Alice"));
        kafka.send(catalogue.agentEvents(), "b", TestEvents.agentCreated("b", "Bob"));
        int messages = sendConversations(kafka, catalogue);

        Path sink = tmp.resolve("sink");
        try (Exporter exporter =
                        Exporter.start(
                                ConversationSinkIT.config(
                                        kafka, catalogue, sink, "g-" + System.nanoTime(), 1000));
                DuckDb duck = new DuckDb()) {
            Wait.until(
                    messages + " message rows and turn lines",
                    Duration.ofSeconds(60),
                    () ->
                            duck.parquetRows(sink, "") == messages
                                    && duck.jsonlRows(sink.resolve("jsonl/turns")) == messages);
        }

        List<String> command = new ArrayList<>(List.of(python, CHECKER.toString()));
        for (DatasetFormat format : DatasetFormat.values()) {
            Path out = tmp.resolve(format.label());
            new DatasetExport().fromLog(kafka.bootstrapServers(), catalogue, options(format), out);
            command.addAll(List.of("--training", format.label() + "=" + out));
        }
        command.addAll(List.of("--sink", sink.toString(), "--messages", String.valueOf(messages)));

        Run run = run(command, tmp.resolve("hf-home"), 300);
        System.out.println(run.output()); // what each library saw, in the test's report
        assertEquals(0, run.exitCode(), run.output());
    }

    /**
     * Two-agent conversations of random words (no near duplicates), one with a person's message
     * carrying an image reference, one still running; returns the messages sent.
     */
    private static int sendConversations(TestKafka kafka, TopicCatalogue catalogue) {
        var topic = catalogue.conversationEvents();
        Random random = new Random(7);
        int messages = 0;
        for (int c = 0; c < CONVERSATIONS; c++) {
            String id = "conv-" + c;
            int turns = 3 + c % 4;
            kafka.send(
                    topic, id, TestEvents.conversationRequested(id, "topic " + c, turns, "a", "b"));
            for (int t = 0; t < turns; t++) {
                ConversationEvent event =
                        c % 5 == 0 && t == 0
                                ? TestEvents.humanMessage(id, t, "ann", text(random))
                                : TestEvents.messageAppended(
                                        id, t, t % 2 == 0 ? "a" : "b", text(random));
                if (c == 3 && t == 0) {
                    event = withImage(event);
                }
                kafka.send(topic, id, event);
                messages++;
            }
            if (c != CONVERSATIONS - 1) {
                kafka.send(topic, id, TestEvents.completed(id, turns));
            }
        }
        return messages;
    }

    private static ConversationEvent withImage(ConversationEvent event) {
        return ConversationEvent.newBuilder(event)
                .setPayload(
                        MessageAppended.newBuilder((MessageAppended) event.getPayload())
                                .setMedia(List.of(new MediaRef("cd".repeat(32), "image/png", 68L)))
                                .build())
                .build();
    }

    private static String text(Random random) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.toString();
    }

    private static DatasetExport.Options options(DatasetFormat format) {
        return new DatasetExport.Options(
                format,
                new SpeakerViews.Options(Set.of(), true, 0),
                new Splits(0.6, 0.2, 0.2),
                true,
                0.8,
                1,
                0,
                0.5,
                true, // TestEvents messages are the scripted responder's
                false,
                true,
                true,
                "cl100k_base",
                "ZSTD");
    }

    /**
     * The interpreter to run the checker with; skips the test (saying why) when none has the
     * modules.
     */
    private static String python(Path hfHome) throws Exception {
        String given = System.getProperty("ams.test.python");
        if (given == null || given.isBlank()) {
            given = System.getenv("AMS_TEST_PYTHON");
        }
        String python = given == null || given.isBlank() ? "python3" : given;
        Run probe;
        try {
            probe = run(List.of(python, "-c", "import datasets, pandas, pyarrow"), hfHome, 60);
        } catch (IOException e) {
            probe = new Run(-1, e.toString());
        }
        assumeTrue(
                probe.exitCode() == 0,
                "Needs a Python with datasets, pandas and pyarrow; '"
                        + python
                        + "' has not ("
                        + probe.output().strip()
                        + "). Give one with -Dams.test.python=/path/to/python or AMS_TEST_PYTHON"
                        + " (python3 -m venv v && v/bin/pip install datasets pandas pyarrow).");
        return python;
    }

    private record Run(int exitCode, String output) {}

    private static Run run(List<String> command, Path hfHome, int timeoutSeconds)
            throws IOException, InterruptedException {
        Files.createDirectories(hfHome);
        Path log = Files.createTempFile(hfHome, "python", ".log");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The library's caches go to the test's directory, and nothing is fetched from the Hub.
        builder.environment().put("HF_HOME", hfHome.toString());
        builder.environment().put("HF_DATASETS_OFFLINE", "1");
        builder.environment().put("HF_HUB_OFFLINE", "1");
        Process process = builder.start();
        process.getOutputStream().close();
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        return exited ? new Run(process.exitValue(), output) : new Run(-1, "timed out: " + output);
    }
}
