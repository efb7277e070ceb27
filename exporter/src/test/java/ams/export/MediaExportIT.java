package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.MediaRef;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.topics.TopicCatalogue;
import ams.export.dataset.DatasetExport;
import ams.export.dataset.DatasetFormat;
import ams.export.dataset.DatasetMedia;
import ams.export.dataset.SpeakerViews;
import ams.export.dataset.Splits;
import ams.service.media.LocalMediaStore;
import ams.service.media.MediaObject;
import ams.service.media.MediaTypes;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages with images, exported from a real log: the SFT JSONL carries OpenAI {@code image_url}
 * content parts pointing at files bundled with the dataset (or data URLs), ShareGPT and instruction
 * rows an {@code images} list with {@code <image>} placeholders, and the continuous messages
 * Parquet has a {@code media} column whose path resolves in the media store.
 */
@ExtendWith(KafkaClusterExtension.class)
class MediaExportIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MISSING = "ab".repeat(32);

    @Test
    @SuppressWarnings("try") // the exporter runs while the body waits for its files
    void shouldExportImagesAsContentPartsAndAsAMediaColumn(TestKafka kafka, @TempDir Path tmp)
            throws Exception {
        Path storeDir = tmp.resolve("media-store");
        byte[] png = png();
        MediaObject stored =
                new LocalMediaStore(storeDir, 1 << 20, MediaTypes.DEFAULT_ALLOWED)
                        .put(new ByteArrayInputStream(png), "image/png");
        assertEquals(sha256(png), stored.sha256());

        TopicCatalogue catalogue = kafka.newCatalogue(2);
        var topic = catalogue.conversationEvents();
        kafka.send(catalogue.agentEvents(), "a", TestEvents.agentCreated("a", "Alice"));
        kafka.send(
                topic,
                "conv-img",
                TestEvents.conversationRequested("conv-img", "pictures", 3, "a", "b"));
        ConversationEvent text =
                TestEvents.humanMessage("conv-img", 0, "ann", "What is in this picture?");
        ConversationEvent question =
                ConversationEvent.newBuilder(text)
                        .setPayload(
                                MessageAppended.newBuilder((MessageAppended) text.getPayload())
                                        .setMedia(
                                                List.of(
                                                        new MediaRef(
                                                                stored.sha256(),
                                                                "image/png",
                                                                stored.sizeBytes()),
                                                        new MediaRef(MISSING, "image/png", 10L)))
                                        .build())
                        .build();
        kafka.send(topic, "conv-img", question);
        kafka.send(topic, "conv-img", TestEvents.messageAppended("conv-img", 1, "a", "A square."));
        kafka.send(topic, "conv-img", TestEvents.messageAppended("conv-img", 2, "b", "Agreed."));
        kafka.send(topic, "conv-img", TestEvents.completed("conv-img", 3));

        // Training view, path URLs: the image bundled once under media/, the missing one counted.
        Path sft = tmp.resolve("sft");
        new DatasetExport(
                        new DatasetMedia.Options(
                                LocalMediaStore.reader(storeDir), DatasetMedia.Urls.PATH))
                .fromLog(kafka.bootstrapServers(), catalogue, options(), sft);
        String url = "media/" + stored.sha256() + ".png";
        JsonNode aView = view(sft, "a");
        JsonNode user = aView.path("messages").get(aView.path("messages").size() - 2);
        assertEquals("user", user.path("role").asText());
        assertEquals("ann", user.path("name").asText());
        JsonNode parts = user.path("content");
        assertTrue(parts.isArray(), "content parts expected: " + user);
        assertEquals(2, parts.size(), "text + the one stored image: " + parts);
        assertEquals("text", parts.get(0).path("type").asText());
        assertEquals("What is in this picture?", parts.get(0).path("text").asText());
        assertEquals("image_url", parts.get(1).path("type").asText());
        assertEquals(url, parts.get(1).path("image_url").path("url").asText());
        JsonNode assistant = aView.path("messages").get(aView.path("messages").size() - 1);
        assertEquals("A square.", assistant.path("content").asText()); // no media: a string
        Path bundled = sft.resolve(url);
        assertTrue(Files.exists(bundled), bundled + " not bundled");
        assertEquals(stored.sha256(), sha256(Files.readAllBytes(bundled)));
        try (var files = Files.list(sft.resolve("media"))) {
            assertEquals(1, files.count(), "each image copied once");
        }
        JsonNode report = JSON.readTree(sft.resolve("quality_report.json").toFile());
        assertEquals(2, report.path("media").path("media_missing").asLong()); // one per view
        try (DuckDb duck = new DuckDb()) {
            assertEquals(
                    List.of(List.of(List.of(url))), // one message with images, one URL
                    duck
                            .query(
                                    "SELECT m.images FROM (SELECT unnest(messages) AS m FROM '"
                                            + sft.resolve("data/train-00000-of-00001.parquet")
                                            + "' WHERE agent_id = 'a') WHERE len(m.images) > 0")
                            .stream()
                            .map(r -> List.<Object>of(toList(r.get(0))))
                            .toList());
        }

        // Data URLs: self-contained rows, nothing bundled.
        Path data = tmp.resolve("sft-data");
        new DatasetExport(
                        new DatasetMedia.Options(
                                LocalMediaStore.reader(storeDir), DatasetMedia.Urls.DATA))
                .fromLog(kafka.bootstrapServers(), catalogue, options(), data);
        JsonNode dataView = view(data, "a");
        String dataUrl =
                dataView.path("messages")
                        .get(dataView.path("messages").size() - 2)
                        .path("content")
                        .get(1)
                        .path("image_url")
                        .path("url")
                        .asText();
        String prefix = "data:image/png;base64,";
        assertTrue(dataUrl.startsWith(prefix), dataUrl);
        assertEquals(
                stored.sha256(),
                sha256(Base64.getDecoder().decode(dataUrl.substring(prefix.length()))));
        assertFalse(Files.exists(data.resolve("media")));

        // ShareGPT (LLaVA style): the row's images column and an <image> placeholder in the turn.
        Path sharegpt = tmp.resolve("sharegpt");
        new DatasetExport(
                        new DatasetMedia.Options(
                                LocalMediaStore.reader(storeDir), DatasetMedia.Urls.PATH))
                .fromLog(
                        kafka.bootstrapServers(),
                        catalogue,
                        options(DatasetFormat.SHAREGPT),
                        sharegpt);
        JsonNode shareView = view(sharegpt, "a");
        assertEquals(List.of(url), toStrings(shareView.path("images")), shareView.toString());
        JsonNode turns = shareView.path("conversations");
        JsonNode asked = turns.get(turns.size() - 2);
        assertEquals("human", asked.path("from").asText());
        assertEquals("<image>What is in this picture?", asked.path("value").asText());
        assertEquals("A square.", turns.get(turns.size() - 1).path("value").asText());
        assertTrue(Files.exists(sharegpt.resolve(url)), "bundled beside the ShareGPT rows");
        String card = Files.readString(sharegpt.resolve("README.md"));
        assertTrue(card.contains("## Images") && card.contains("<image>"), card);
        try (DuckDb duck = new DuckDb()) {
            List<List<Object>> rows =
                    duck.query(
                            "SELECT images, conversations[len(conversations) - 1].value FROM '"
                                    + sharegpt.resolve("data/train-00000-of-00001.parquet")
                                    + "' WHERE agent_id = 'a'");
            assertEquals(1, rows.size(), rows.toString());
            assertEquals(List.of(url), toList(rows.get(0).get(0)));
            assertEquals("<image>What is in this picture?", rows.get(0).get(1));
        }

        // Instruction (Alpaca multimodal): the row's images and the placeholder in instruction.
        Path instruction = tmp.resolve("instruction");
        new DatasetExport(
                        new DatasetMedia.Options(
                                LocalMediaStore.reader(storeDir), DatasetMedia.Urls.PATH))
                .fromLog(
                        kafka.bootstrapServers(),
                        catalogue,
                        options(DatasetFormat.INSTRUCTION),
                        instruction);
        try (DuckDb duck = new DuckDb()) {
            List<List<Object>> rows =
                    duck.query(
                            "SELECT images, instruction, output FROM '"
                                    + instruction.resolve("data/train-00000-of-00001.parquet")
                                    + "' WHERE agent_id = 'a' AND len(images) > 0");
            assertEquals(1, rows.size(), rows.toString());
            assertEquals(List.of(url), toList(rows.get(0).get(0)));
            assertEquals("<image>What is in this picture?", rows.get(0).get(1));
            assertEquals("A square.", rows.get(0).get(2));
            assertEquals(
                    0,
                    duck.count(
                            "SELECT count(*) FROM '"
                                    + instruction.resolve("data/train-00000-of-00001.parquet")
                                    + "' WHERE len(images) = 0 AND instruction LIKE '%<image>%'"));
        }

        // The continuous sink: the messages table's media column resolves in the store.
        Path sink = tmp.resolve("sink");
        try (Exporter exporter =
                        Exporter.start(
                                ConversationSinkIT.config(
                                        kafka, catalogue, sink, "g-" + System.nanoTime(), 100));
                DuckDb duck = new DuckDb()) {
            Wait.until(
                    "3 message rows",
                    Duration.ofSeconds(60),
                    () -> duck.parquetRows(sink, "") == 3);
            List<List<Object>> media =
                    duck.query(
                            "SELECT m.sha256, m.content_type, m.size_bytes, m.path FROM"
                                    + " (SELECT unnest(media) AS m FROM read_parquet('"
                                    + DuckDb.glob(sink, "messages/*/*.parquet")
                                    + "', hive_partitioning = true)) ORDER BY 1");
            assertEquals(2, media.size(), media.toString());
            List<Object> first = media.get(0);
            assertEquals(
                    List.of(stored.sha256(), "image/png", stored.sizeBytes()), first.subList(0, 3));
            Path file = storeDir.resolve(String.valueOf(first.get(3)));
            assertTrue(Files.exists(file), file + " does not exist");
            assertEquals(stored.sha256(), sha256(Files.readAllBytes(file)));
            Wait.until(
                    "the chat line",
                    Duration.ofSeconds(60),
                    () -> duck.jsonlRows(sink.resolve("jsonl/chat")) == 1);
            Path chatFile;
            try (var files = Files.list(sink.resolve("jsonl/chat"))) {
                chatFile =
                        files.filter(p -> p.toString().endsWith(".jsonl"))
                                .findFirst()
                                .orElseThrow();
            }
            JsonNode chat = JSON.readTree(Files.readAllLines(chatFile).get(0));
            JsonNode chatParts = chat.path("messages").get(0).path("content");
            assertEquals(3, chatParts.size(), chat.toString()); // text + both references
            assertEquals(first.get(3), chatParts.get(1).path("image_url").path("url").asText());
            assertEquals("A square.", chat.path("messages").get(1).path("content").asText());
            assertEquals(
                    0,
                    duck.count(
                            "SELECT count(*) FROM read_parquet('"
                                    + DuckDb.glob(sink, "messages/*/*.parquet")
                                    + "') WHERE agent_id = 'a' AND len(media) > 0"));
        }
    }

    private static DatasetExport.Options options() {
        return options(DatasetFormat.SFT);
    }

    private static DatasetExport.Options options(DatasetFormat format) {
        return new DatasetExport.Options(
                format,
                new SpeakerViews.Options(Set.of(), true, 0),
                new Splits(1, 0, 0),
                false,
                0.8,
                1,
                0,
                0.5,
                true, // TestEvents messages are scripted
                false,
                true,
                true,
                "cl100k_base",
                "ZSTD");
    }

    private static JsonNode view(Path root, String agent) throws Exception {
        for (String line : Files.readAllLines(root.resolve("jsonl/train-00000-of-00001.jsonl"))) {
            if (!line.isBlank()) {
                JsonNode row = JSON.readTree(line);
                if (agent.equals(row.path("agent_id").asText())) {
                    return row;
                }
            }
        }
        throw new AssertionError("no view of " + agent + " in " + root);
    }

    private static List<String> toStrings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<Object> toList(Object duckList) throws RuntimeException {
        try {
            Object[] items = (Object[]) ((java.sql.Array) duckList).getArray();
            List<Object> out = new ArrayList<>();
            for (Object o : items) {
                out.add(String.valueOf(o));
            }
            return out;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The smallest bytes the store takes as a PNG: the signature and a few more. */
    private static byte[] png() {
        byte[] b = new byte[64];
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
        System.arraycopy(signature, 0, b, 0, signature.length);
        for (int i = signature.length; i < b.length; i++) {
            b[i] = (byte) (i * 7);
        }
        return b;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
