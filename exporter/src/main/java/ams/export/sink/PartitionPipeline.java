package ams.export.sink;

import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.export.format.JsonFormats;
import ams.export.format.MessageRow;
import ams.export.format.Utf8Turns;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;

/**
 * Everything written for one partition of conversation-events: the message rows (Parquet, by date),
 * the turn lines (JSONL), and the completed conversations (chat and ShareGPT JSONL), with the
 * buffer of open conversations the latter need.
 */
final class PartitionPipeline {

    private final int partition;
    private final JsonFormats json;
    private final PartitionSink<MessageRow> messages;
    private final PartitionSink<byte[]> turns;
    private final PartitionSink<byte[]> chat;
    private final PartitionSink<byte[]> shareGpt;
    private final List<PartitionSink<?>> sinks;
    private final boolean messagesOn;
    private final boolean turnsOn;
    private final boolean chatOn;
    private final boolean shareGptOn;
    private ConversationAssembler assembler = new ConversationAssembler();

    /** The UTC day of the last message and its directory name: most rows share the day. */
    private long directoryDay = Long.MIN_VALUE;

    private String directory;

    public PartitionPipeline(
            String topic,
            int partition,
            Path datasetRoot,
            RotationPolicy rotation,
            String codec,
            JsonFormats json,
            Set<String> enabled) {
        this.partition = partition;
        this.json = json;
        this.messages =
                new PartitionSink<>(
                        Dataset.messages(codec), datasetRoot, topic, partition, rotation);
        this.turns = new PartitionSink<>(Dataset.turns(), datasetRoot, topic, partition, rotation);
        this.chat = new PartitionSink<>(Dataset.chat(), datasetRoot, topic, partition, rotation);
        this.shareGpt =
                new PartitionSink<>(Dataset.shareGpt(), datasetRoot, topic, partition, rotation);
        this.sinks =
                Stream.of(messages, turns, chat, shareGpt)
                        .filter(s -> enabled.contains(s.dataset().name()))
                        .<PartitionSink<?>>map(s -> s)
                        .toList();
        this.messagesOn = enabled.contains(messages.dataset().name());
        this.turnsOn = enabled.contains(turns.dataset().name());
        this.chatOn = enabled.contains(chat.dataset().name());
        this.shareGptOn = enabled.contains(shareGpt.dataset().name());
    }

    /**
     * Reads the file chains on disk and returns the offset to seek to (-1: from the beginning). The
     * buffer of open conversations is rebuilt by re-reading from there.
     */
    public long recover() throws IOException {
        assembler = new ConversationAssembler();
        long seek = Long.MAX_VALUE;
        for (PartitionSink<?> sink : sinks) {
            sink.recover();
            seek = Math.min(seek, sink.resume());
        }
        return seek;
    }

    /**
     * True when every dataset already has the record at {@code offset} (e.g. a dead letter was
     * already sent).
     */
    public boolean alreadyWritten(long offset) {
        return sinks.stream().allMatch(s -> s.alreadyWritten(offset));
    }

    public void handle(long offset, ConversationEvent event) throws IOException {
        long time = event.getEnvelope().getOccurredAt().toEpochMilli();
        MessageAppended m = event.getPayload() instanceof MessageAppended message ? message : null;
        if (messagesOn) {
            messages.accept(
                    offset,
                    time,
                    m == null
                            ? List.of()
                            : List.of(
                                    new PartitionSink.Row<>(
                                            new MessageRow(event, m, partition, offset),
                                            dateDirectory(time))),
                    this::rowResume);
        }
        if (turnsOn) {
            turns.accept(
                    offset,
                    time,
                    m == null
                            ? List.of()
                            : List.of(
                                    new PartitionSink.Row<>(
                                            json.turnLine(
                                                    event.getConversationId(),
                                                    m,
                                                    event.getEnvelope().getOccurredAt()),
                                            "")),
                    this::rowResume);
        }
        if (!chatOn && !shareGptOn) {
            return;
        }
        Optional<CompletedConversation> completed = assembler.apply(offset, event);
        if (chatOn) {
            chat.accept(
                    offset,
                    time,
                    completed
                            .map(c -> List.of(new PartitionSink.Row<>(json.chatLine(c), "")))
                            .orElse(List.of()),
                    this::conversationResume);
        }
        if (shareGptOn) {
            shareGpt.accept(
                    offset,
                    time,
                    completed
                            .map(c -> List.of(new PartitionSink.Row<>(json.shareGptLine(c), "")))
                            .orElse(List.of()),
                    this::conversationResume);
        }
    }

    /**
     * A record decoded for the turns dataset alone ({@link Utf8Turns}): its line, or no rows when
     * it is not a message. The same lines as {@link #handle(long, ConversationEvent)}.
     */
    public void handle(long offset, Utf8Turns.Turn turn) throws IOException {
        for (PartitionSink<?> sink : sinks) {
            if (sink != turns) {
                throw new IllegalStateException(
                        "Turn fields alone cannot feed " + sink.dataset().name());
            }
        }
        turns.accept(
                offset,
                turn.occurredAtMillis(),
                turn.message()
                        ? List.of(new PartitionSink.Row<>(json.turnLine(turn), ""))
                        : List.of(),
                this::rowResume);
    }

    /** The Hive partition directory of a message: {@code date=} its UTC day. */
    private String dateDirectory(long epochMillis) {
        long day = Math.floorDiv(epochMillis, 86_400_000L);
        if (day != directoryDay) {
            directory = "date=" + LocalDate.ofEpochDay(day);
            directoryDay = day;
        }
        return directory;
    }

    /**
     * Skips an undecodable record: it produces no rows but is covered by the files' offset ranges.
     */
    public void skip(long offset, long recordTime) throws IOException {
        for (PartitionSink<?> sink : sinks) {
            sink.accept(offset, recordTime, List.of(), resumeFor(sink));
        }
    }

    /** Publishes files open longer than the rotation interval; true if any was published. */
    public boolean rotateIfIdle(long nowMillis) throws IOException {
        boolean published = false;
        for (PartitionSink<?> sink : sinks) {
            published |= sink.rotateIfIdle(nowMillis, resumeFor(sink));
        }
        return published;
    }

    public void flush() throws IOException {
        for (PartitionSink<?> sink : sinks) {
            sink.flush(resumeFor(sink));
        }
    }

    public void abort() {
        sinks.forEach(PartitionSink::abort);
    }

    /**
     * The offset before which everything consumed is on disk: what may be committed. -1 if unknown.
     */
    public long safeOffset() {
        long safe = Long.MAX_VALUE;
        for (PartitionSink<?> sink : sinks) {
            safe = Math.min(safe, sink.safeOffset(resumeFor(sink)));
        }
        return safe;
    }

    public int partition() {
        return partition;
    }

    public List<PartitionSink<?>> sinks() {
        return sinks;
    }

    public int openConversations() {
        return assembler.openConversations();
    }

    private LongUnaryOperator resumeFor(PartitionSink<?> sink) {
        return sink.dataset().conversationLevel()
                ? (LongUnaryOperator) this::conversationResume
                : this::rowResume;
    }

    /** Where a row-level dataset resumes after a file that ends at {@code end}. */
    private long rowResume(long end) {
        return end + 1;
    }

    /**
     * Where a conversation-level dataset resumes: at the first record of a still-open conversation.
     */
    private long conversationResume(long end) {
        return assembler.lowWatermark(end);
    }
}
