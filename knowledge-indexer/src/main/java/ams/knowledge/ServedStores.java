package ams.knowledge;

import ams.events.streams.ActiveStores;
import ams.knowledge.avro.ChunkRecord;
import ams.knowledge.avro.DocumentRecord;

/**
 * This instance's running partitions of the two stores a search reads per hit, registered by the
 * index fold next to the in-memory index it rebuilds: a search reads them directly instead of
 * through a {@code KafkaStreams.store} handle, which finds the tasks again at every read.
 */
public final class ServedStores {

    final ActiveStores<String, DocumentRecord> documents =
            new ActiveStores<>(KnowledgeTopology.DOCUMENTS_STORE);
    final ActiveStores<String, ChunkRecord> chunks =
            new ActiveStores<>(KnowledgeTopology.CHUNKS_STORE);
}
