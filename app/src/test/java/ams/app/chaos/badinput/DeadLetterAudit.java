package ams.app.chaos.badinput;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the dead-letters topic and matches its letters to bad records by the source topic,
 * partition and offset each letter keeps. One bad record may have several letters: a record no one
 * can decode is dead-lettered by every application that consumes its topic.
 */
public final class DeadLetterAudit {

    /** Where a record was read from. */
    public record Source(String topic, int partition, long offset) {}

    /**
     * What one letter says: who rejected which record, why. {@code detail} is cut to 300
     * characters.
     */
    public record Letter(
            Source source, String application, DeadLetterReason reason, String detail) {}

    private static final int MAX_DETAIL = 300;

    private final Map<Source, List<Letter>> bySource = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private long letters;

    private DeadLetterAudit() {}

    /**
     * Reads every dead letter committed when the call starts; {@code timeout} bounds the reading.
     */
    public static DeadLetterAudit read(String bootstrap, String topicPrefix, Duration timeout) {
        DeadLetterAudit audit = new DeadLetterAudit();
        audit.consume(
                bootstrap,
                topicPrefix,
                timeout,
                (consumer, end) ->
                        end.entrySet().stream()
                                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue()));
        return audit;
    }

    /**
     * Reads dead letters until every record of {@code sent} has at least one, or {@code timeout}
     * passes (then {@link #expectAtLeast} names the records that have none).
     */
    public static DeadLetterAudit awaitCovering(
            String bootstrap, String topicPrefix, BadRecords.Sent sent, Duration timeout) {
        DeadLetterAudit audit = new DeadLetterAudit();
        Set<Source> waiting = new HashSet<>();
        sent.records().forEach(r -> waiting.add(new Source(r.topic(), r.partition(), r.offset())));
        audit.consume(
                bootstrap,
                topicPrefix,
                timeout,
                (consumer, end) -> {
                    waiting.removeIf(audit.bySource::containsKey);
                    return waiting.isEmpty();
                });
        return audit;
    }

    private interface Done {
        boolean test(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end);
    }

    private void consume(String bootstrap, String topicPrefix, Duration timeout, Done done) {
        Topic<byte[], DeadLetter> topic =
                new TopicCatalogue(topicPrefix, TopicCatalogue.DEFAULT_PARTITIONS, (short) 1)
                        .deadLetters();
        Deserializer<DeadLetter> serde = topic.valueSerde().deserializer();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        consumerProperties(bootstrap),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic.name(), timeout).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            BooleanSupplier finished = () -> done.test(consumer, end);
            while (!finished.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    problems.add(
                            "stopped reading "
                                    + topic.name()
                                    + " after "
                                    + timeout
                                    + " ("
                                    + letters
                                    + " letters read)");
                    return;
                }
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(200))) {
                    add(record, serde);
                }
            }
        }
    }

    private void add(ConsumerRecord<byte[], byte[]> record, Deserializer<DeadLetter> serde) {
        letters++;
        DeadLetter letter;
        try {
            letter = serde.deserialize(record.topic(), record.value());
            if (letter == null) {
                throw new IllegalStateException("no value");
            }
        } catch (RuntimeException e) {
            problems.add(
                    "dead letter "
                            + record.topic()
                            + "-"
                            + record.partition()
                            + "@"
                            + record.offset()
                            + " does not decode: "
                            + e);
            return;
        }
        Source source =
                new Source(
                        letter.getSourceTopic().toString(),
                        letter.getSourcePartition(),
                        letter.getSourceOffset());
        String detail = letter.getDetail() == null ? "" : letter.getDetail().toString();
        Letter kept =
                new Letter(
                        source,
                        letter.getApplication().toString(),
                        letter.getReason(),
                        detail.length() > MAX_DETAIL
                                ? detail.substring(0, MAX_DETAIL) + "…"
                                : detail);
        if (kept.reason() == null
                || kept.reason() == DeadLetterReason.UNSPECIFIED
                || detail.isBlank()) {
            problems.add("dead letter without a reason: " + kept);
        }
        bySource.computeIfAbsent(source, s -> new ArrayList<>(2)).add(kept);
    }

    private static Properties consumerProperties(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // Streams applications write their dead letters in transactions: count only what was
        // committed.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "ams-chaos-dead-letter-audit");
        return props;
    }

    /** Letters read in all (several per record when several applications rejected it). */
    public long letters() {
        return letters;
    }

    /** Letters per source topic. */
    public Map<String, Long> perSourceTopic() {
        return all().stream()
                .collect(
                        Collectors.groupingBy(
                                l -> l.source().topic(), TreeMap::new, Collectors.counting()));
    }

    /** Letters per rejecting application. */
    public Map<String, Long> perApplication() {
        return all().stream()
                .collect(
                        Collectors.groupingBy(
                                Letter::application, TreeMap::new, Collectors.counting()));
    }

    /** Letters per source topic, then per rejecting application. */
    public Map<String, Map<String, Long>> perSourceTopicAndApplication() {
        return all().stream()
                .collect(
                        Collectors.groupingBy(
                                l -> l.source().topic(),
                                TreeMap::new,
                                Collectors.groupingBy(
                                        Letter::application, TreeMap::new, Collectors.counting())));
    }

    /** Letters per reason. */
    public Map<DeadLetterReason, Long> perReason() {
        return all().stream()
                .collect(
                        Collectors.groupingBy(Letter::reason, TreeMap::new, Collectors.counting()));
    }

    /** The letters of one record, empty when it has none. */
    public List<Letter> lettersOf(String topic, int partition, long offset) {
        return List.copyOf(bySource.getOrDefault(new Source(topic, partition, offset), List.of()));
    }

    /** Letters that do not decode or carry no reason, and a read that ran out of time. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** The sent records no application dead-lettered. */
    public List<BadRecords.SentRecord> missing(BadRecords.Sent sent) {
        return sent.records().stream()
                .filter(
                        r ->
                                !bySource.containsKey(
                                        new Source(r.topic(), r.partition(), r.offset())))
                .toList();
    }

    /**
     * @throws AssertionError naming the bad records without a dead letter and the letters without a
     *     reason
     */
    public void expectAtLeast(BadRecords.Sent sent) {
        List<BadRecords.SentRecord> missing = missing(sent);
        if (missing.isEmpty() && problems.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder();
        if (!missing.isEmpty()) {
            Map<String, Long> byKind =
                    missing.stream()
                            .collect(
                                    Collectors.groupingBy(
                                            BadRecords.SentRecord::kind,
                                            TreeMap::new,
                                            Collectors.counting()));
            message.append(missing.size())
                    .append(" of ")
                    .append(sent.total())
                    .append(" bad records have no dead letter (by kind ")
                    .append(byKind)
                    .append("), e.g. ")
                    .append(missing.subList(0, Math.min(10, missing.size())))
                    .append(". ");
        }
        if (!problems.isEmpty()) {
            message.append(problems.size())
                    .append(" problems: ")
                    .append(problems.subList(0, Math.min(10, problems.size())))
                    .append(". ");
        }
        message.append(summary());
        throw new AssertionError(message.toString());
    }

    public String summary() {
        return letters
                + " dead letters for "
                + bySource.size()
                + " records; per source topic and application "
                + perSourceTopicAndApplication()
                + "; per reason "
                + perReason();
    }

    private List<Letter> all() {
        return bySource.values().stream().flatMap(List::stream).toList();
    }
}
