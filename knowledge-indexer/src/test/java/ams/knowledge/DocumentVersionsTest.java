package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.knowledge.avro.DocumentRecord;
import ams.knowledge.avro.IndexOperation;
import ams.knowledge.avro.IndexedDocument;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/** Which version of each document stood at T, from the entries the fold writes. */
class DocumentVersionsTest {

    private static final String AGENT = "ann";

    @Test
    void shouldTakeEachDocumentsLastVersionAtOrBeforeT() {
        // notes: v1 at 10:00 (superseded), v2 at 12:00 (current); rain: added 10:00, removed 11:00.
        List<KeyValue<String, IndexedDocument>> entries =
                List.of(
                        entry("notes", "10:00", IndexOperation.UPSERT, "v1"),
                        entry("notes", "12:00", IndexOperation.UPSERT, "v2"),
                        entry("rain", "10:00", IndexOperation.UPSERT, "r1"),
                        entry("rain", "11:00", IndexOperation.REMOVE, null));

        assertEquals(List.of(), standing(entries, "09:59"));
        assertEquals(List.of("v1 superseded", "r1 superseded"), standing(entries, "10:00"));
        assertEquals(List.of("v1 superseded"), standing(entries, "11:00"));
        assertEquals(List.of("v1 superseded"), standing(entries, "11:59"));
        assertEquals(List.of("v2 current"), standing(entries, "12:00"));
        assertEquals(
                Set.of("notes", "rain"),
                DocumentVersions.standingAt(AGENT, entries.iterator(), at("13:00")).versioned());
    }

    private static List<String> standing(
            List<KeyValue<String, IndexedDocument>> entries, String time) {
        return DocumentVersions.standingAt(AGENT, entries.iterator(), at(time)).standing().stream()
                .map(
                        s ->
                                s.version().getDocument().getContent()
                                        + (s.current() ? " current" : " superseded"))
                .toList();
    }

    private static Instant at(String time) {
        return Instant.parse("2026-02-01T" + time + ":00Z");
    }

    private static KeyValue<String, IndexedDocument> entry(
            String documentId, String time, IndexOperation operation, String content) {
        Instant from = at(time);
        DocumentRecord document =
                content == null
                        ? null
                        : DocumentRecord.newBuilder()
                                .setKbId("kb")
                                .setAgentId(AGENT)
                                .setDocumentId(documentId)
                                .setTitle("")
                                .setContent(content)
                                .setUpdatedAt(from)
                                .setModel("m")
                                .setDimension(4)
                                .setChunkCount(0)
                                .build();
        return KeyValue.pair(
                StoreKeys.version(AGENT, documentId, from.toEpochMilli()),
                IndexedDocument.newBuilder()
                        .setEventId("e-" + documentId + time)
                        .setOccurredAt(from)
                        .setAgentId(AGENT)
                        .setDocumentId(documentId)
                        .setOperation(operation)
                        .setDocument(document)
                        .build());
    }
}
