package ams.knowledge;

import ams.knowledge.avro.IndexOperation;
import ams.knowledge.avro.IndexedDocument;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;

/**
 * Which version of each of an agent's documents stood at a time T, read from the {@code
 * document-versions} store. The fold writes an entry for every version when it takes effect (the
 * document, without chunks while it is current: those are in the {@code chunks} store), rewrites it
 * with its chunks when a newer version or a removal supersedes it, and writes a removal marker. So
 * a document's entry at T is its last one that took effect at or before T: a removal or nothing
 * means the agent did not have it then; the last entry of all means it is still current.
 */
final class DocumentVersions {

    /** A version that stood at T; {@code current}: it still does, its chunks are in the store. */
    record Standing(IndexedDocument version, boolean current) {}

    /**
     * The versions that stood at T, and every document the entries know of at any time: a current
     * document they do not know was indexed before versions were kept (a replay writes them).
     */
    record AsOf(List<Standing> standing, Set<String> versioned) {}

    private DocumentVersions() {}

    /**
     * The versions of {@code agentId}'s documents that stood at {@code t}, in document id order.
     *
     * @param entries the agent's {@code document-versions} entries in key order (a prefix scan)
     */
    static AsOf standingAt(
            String agentId, Iterator<KeyValue<String, IndexedDocument>> entries, Instant t) {
        long at = t.toEpochMilli();
        Map<String, KeyValue<String, IndexedDocument>> atT = new LinkedHashMap<>();
        Map<String, String> lastKeys = new LinkedHashMap<>();
        while (entries.hasNext()) {
            KeyValue<String, IndexedDocument> entry = entries.next();
            String documentId = StoreKeys.versionDocument(agentId, entry.key);
            if (StoreKeys.versionFrom(entry.key) <= at) {
                atT.put(documentId, entry);
            }
            lastKeys.put(documentId, entry.key);
        }
        List<Standing> standing = new ArrayList<>(atT.size());
        atT.forEach(
                (documentId, entry) -> {
                    IndexedDocument version = entry.value;
                    if (version.getOperation() == IndexOperation.UPSERT
                            && version.getDocument() != null) {
                        standing.add(
                                new Standing(version, entry.key.equals(lastKeys.get(documentId))));
                    }
                });
        return new AsOf(standing, lastKeys.keySet());
    }
}
