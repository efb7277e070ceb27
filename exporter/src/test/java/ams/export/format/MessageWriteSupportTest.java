package ams.export.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.events.TokenUsage;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.export.DuckDb;
import ams.testkit.TestEvents;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink's direct Parquet writer gives the same columns, types and values as parquet-avro's
 * writer of {@link MessageRows#SCHEMA} (what the sink wrote before, and what the one-shot export
 * writes), read back by DuckDB.
 */
class MessageWriteSupportTest {

    @Test
    void sameSchemaAndValuesAsParquetAvro(@TempDir Path dir) throws Exception {
        List<ConversationEvent> events = List.of(everyColumn(), fewestColumns(), emptyTexts());
        Path direct = dir.resolve("direct.parquet");
        Path avro = dir.resolve("avro.parquet");
        ParquetSegmentWriter<MessageRow> writer =
                ParquetSegmentWriter.messages(
                        direct,
                        "ZSTD",
                        MessageRows.LONG_TEXT_COLUMNS,
                        MessageRows.DISTINCT_COLUMNS);
        try (ParquetWriter<GenericRecord> reference =
                ParquetSegmentWriter.open(avro, MessageRows.SCHEMA, "ZSTD")) {
            long offset = 40;
            for (ConversationEvent event : events) {
                MessageAppended m = (MessageAppended) event.getPayload();
                writer.write(new MessageRow(event, m, 2, offset));
                reference.write(MessageRows.of(event, m, 2, offset));
                offset++;
            }
        }
        writer.finish();

        try (DuckDb duck = new DuckDb()) {
            List<List<Object>> columns = duck.query(describe(direct));
            assertEquals(duck.query(describe(avro)), columns);
            assertEquals(20, columns.size()); // 19 + media (issue 21)
            List<List<Object>> rows = duck.query(rows(direct));
            assertEquals(duck.query(rows(avro)), rows);
            assertEquals(events.size(), rows.size());
        }
    }

    private static String describe(Path file) {
        return "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('"
                + file
                + "'))";
    }

    private static String rows(Path file) {
        return "SELECT CAST(t AS VARCHAR) FROM read_parquet('"
                + file
                + "') t ORDER BY kafka_offset";
    }

    private static ConversationEvent everyColumn() {
        ConversationEvent event = TestEvents.messageAppended("conv-1", 3, "ana", "Ünïcode — text");
        return with(
                event,
                MessageAppended.newBuilder((MessageAppended) event.getPayload())
                        .setRole(MessageRole.USER)
                        .setSessionId("session-7")
                        .setMetadataJson("{\"topic\":\"x\",\"n\":[1,2]}")
                        .setKnowledgeIds(List.of("doc-1", "doc-2"))
                        .setMedia(
                                List.of(
                                        new ams.events.MediaRef("ab".repeat(32), "image/png", 12L),
                                        new ams.events.MediaRef(
                                                "cd".repeat(32), "image/jpeg", 3456L)))
                        .setUsage(
                                TokenUsage.newBuilder()
                                        .setPromptTokens(11)
                                        .setCompletionTokens(7)
                                        .setTotalTokens(18)
                                        .setEstimated(false)
                                        .build())
                        .build());
    }

    private static ConversationEvent fewestColumns() {
        ConversationEvent event = TestEvents.messageAppended("conv-2", 0, "bo", "hello");
        return with(
                event,
                MessageAppended.newBuilder((MessageAppended) event.getPayload())
                        .setModel(null)
                        .setUsage(null)
                        .setLatencyMillis(null)
                        .setSessionId(null)
                        .setRole(MessageRole.SYSTEM)
                        .build());
    }

    private static ConversationEvent emptyTexts() {
        ConversationEvent event = TestEvents.messageAppended("conv-3", 1, "cy", "");
        return with(
                event,
                MessageAppended.newBuilder((MessageAppended) event.getPayload())
                        .setMetadataJson("")
                        .build());
    }

    private static ConversationEvent with(ConversationEvent event, MessageAppended message) {
        return ConversationEvent.newBuilder(event).setPayload(message).build();
    }
}
