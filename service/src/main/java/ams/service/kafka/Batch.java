package ams.service.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What one transaction writes: the output records and the input offsets they account for, which
 * {@link TransactionalLoop} commits together or not at all. It also says what the worker does once
 * the transaction committed, and how to recover when it aborted (by default: rewind).
 */
public final class Batch<K, V> {

    private final List<ProducerRecord<K, V>> records;
    private final Map<TopicPartition, OffsetAndMetadata> offsets;
    private Runnable onCommitted = () -> {};
    private Function<RuntimeException, TransactionalLoop.Recovery> onAborted =
            e -> TransactionalLoop.Recovery.REWIND;

    private Batch(
            List<ProducerRecord<K, V>> records, Map<TopicPartition, OffsetAndMetadata> offsets) {
        this.records = List.copyOf(records);
        this.offsets = Map.copyOf(offsets);
    }

    public static <K, V> Batch<K, V> of(
            List<ProducerRecord<K, V>> records, Map<TopicPartition, OffsetAndMetadata> offsets) {
        return new Batch<>(records, offsets);
    }

    /** Runs on the poll thread once the transaction committed. */
    public Batch<K, V> onCommitted(Runnable action) {
        this.onCommitted = action;
        return this;
    }

    /**
     * Decides, on the poll thread, how to recover once the transaction aborted; the default rewinds
     * the consumer to the committed offsets.
     */
    public Batch<K, V> onAborted(Function<RuntimeException, TransactionalLoop.Recovery> recovery) {
        this.onAborted = recovery;
        return this;
    }

    public List<ProducerRecord<K, V>> records() {
        return records;
    }

    public Map<TopicPartition, OffsetAndMetadata> offsets() {
        return offsets;
    }

    boolean isEmpty() {
        return records.isEmpty() && offsets.isEmpty();
    }

    void committed() {
        onCommitted.run();
    }

    TransactionalLoop.Recovery aborted(RuntimeException cause) {
        return onAborted.apply(cause);
    }

    /** The offset after the last of {@code records} in each partition: "all of these are done". */
    public static Map<TopicPartition, OffsetAndMetadata> nextOffsets(
            Iterable<? extends ConsumerRecord<?, ?>> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<?, ?> record : records) {
            offsets.merge(
                    new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }
}
