package ams.export.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.events.MediaRef;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.serde.EventSerdes;
import ams.events.serde.SingleObjectSerde;
import ams.events.serde.Utf8Decoder;
import ams.export.DuckDb;
import ams.testkit.TestEvents;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code media} column of the messages table: its path is the store's layout, and files written
 * before the column existed are still read together with new ones (DuckDB {@code union_by_name}),
 * their rows without media.
 */
class MediaColumnTest {

    @Test
    void oldFilesWithoutTheColumnAreReadBesideNewOnes(@TempDir Path dir) throws Exception {
        String hash = "0f".repeat(32);
        ConversationEvent text = TestEvents.messageAppended("conv-1", 0, "ana", "look");
        ConversationEvent event =
                ConversationEvent.newBuilder(text)
                        .setPayload(
                                MessageAppended.newBuilder((MessageAppended) text.getPayload())
                                        .setMedia(List.of(new MediaRef(hash, "image/png", 9L)))
                                        .build())
                        .build();
        Path fresh = dir.resolve("new.parquet");
        ParquetSegmentWriter<MessageRow> writer =
                ParquetSegmentWriter.messages(
                        fresh, "ZSTD", MessageRows.LONG_TEXT_COLUMNS, MessageRows.DISTINCT_COLUMNS);
        writer.write(new MessageRow(event, (MessageAppended) event.getPayload(), 0, 1));
        writer.finish();

        // The schema as it was before issue 21: every column but media.
        List<Schema.Field> oldFields = new ArrayList<>();
        for (Schema.Field f : MessageRows.SCHEMA.getFields()) {
            if (!f.name().equals("media")) {
                oldFields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema old = Schema.createRecord("message", null, "ams.export", false, oldFields);
        GenericRecord current = MessageRows.of(text, (MessageAppended) text.getPayload(), 0, 0);
        GenericData.Record oldRow = new GenericData.Record(old);
        for (Schema.Field f : old.getFields()) {
            oldRow.put(f.name(), current.get(f.name()));
        }
        Path before = dir.resolve("old.parquet");
        try (ParquetWriter<GenericRecord> w = ParquetSegmentWriter.open(before, old, "ZSTD")) {
            w.write(oldRow);
        }

        try (DuckDb duck = new DuckDb()) {
            assertEquals(
                    List.of(List.of(0L, 0L), List.of(1L, 1L)),
                    duck.query(
                            "SELECT kafka_offset, coalesce(len(media), 0) FROM read_parquet(['"
                                    + before
                                    + "', '"
                                    + fresh
                                    + "'], union_by_name = true) ORDER BY 1"));
            assertEquals(
                    List.of(List.of(hash, "image/png", 9L, hash.substring(0, 2) + "/" + hash)),
                    duck.query(
                            "SELECT m.sha256, m.content_type, m.size_bytes, m.path FROM"
                                    + " (SELECT unnest(media) AS m FROM '"
                                    + fresh
                                    + "')"));
        }
    }

    @Test
    void turnLinesListMediaTheSameOnBothDecodingPaths() throws Exception {
        String hash = "a1".repeat(32);
        ConversationEvent text = TestEvents.humanMessage("conv-1", 0, "ann", "look é");
        ConversationEvent event =
                ConversationEvent.newBuilder(text)
                        .setPayload(
                                MessageAppended.newBuilder((MessageAppended) text.getPayload())
                                        .setMedia(List.of(new MediaRef(hash, "image/jpeg", 42L)))
                                        .build())
                        .build();
        SingleObjectSerde<ConversationEvent> serde = EventSerdes.conversationEvents();
        Utf8Decoder utf8 = serde.utf8Decoder(Utf8Turns.FIELDS);
        byte[] bytes = serde.encode(event);
        ConversationEvent decoded = serde.decode(bytes);
        String generated =
                new String(
                        new JsonFormats()
                                .turnLine(
                                        decoded.getConversationId(),
                                        (MessageAppended) decoded.getPayload(),
                                        decoded.getEnvelope().getOccurredAt()),
                        StandardCharsets.UTF_8);
        String fast =
                new String(
                        new JsonFormats()
                                .turnLine(new Utf8Turns(utf8.schema()).read(utf8.decode(bytes))),
                        StandardCharsets.UTF_8);
        assertEquals(generated, fast);
        JsonNode media = new ObjectMapper().readTree(fast).path("media");
        assertEquals(1, media.size(), fast);
        assertEquals(hash, media.get(0).path("sha256").asText());
        assertEquals("image/jpeg", media.get(0).path("content_type").asText());
        assertEquals(42, media.get(0).path("size_bytes").asLong());
        assertEquals(hash.substring(0, 2) + "/" + hash, media.get(0).path("path").asText());
    }
}
