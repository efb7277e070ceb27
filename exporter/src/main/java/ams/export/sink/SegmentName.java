package ams.export.sink;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of one published file: {@code <topic>+<partition>+<start>+<end>[+<resume>].<ext>},
 * offsets zero-padded to 20 digits so that names sort by offset. Like Kafka Connect's S3 sink, the
 * name is derived from where the data came from, so the same input range always gets the same name;
 * the end offset (inclusive) lets a restarted sink find where to go on from the file names alone.
 * Conversation-level datasets also carry {@code resume}: the earliest offset that must be re-read
 * to rebuild the conversations still open after {@code end}.
 */
public record SegmentName(
        String topic, int partition, long start, long end, long resume, String extension) {

    private static final Pattern NAME =
            Pattern.compile("([^+]+)\\+(\\d+)\\+(\\d{20})\\+(\\d{20})(?:\\+(\\d{20}))?\\.([a-z]+)");
    public static final String IN_PROGRESS = ".inprogress";

    public SegmentName {
        if (topic.contains("+")) {
            throw new IllegalArgumentException("topic names cannot contain '+': " + topic);
        }
        if (end < start || resume > end + 1) {
            throw new IllegalArgumentException(
                    "bad offsets start=" + start + " end=" + end + " resume=" + resume);
        }
    }

    /** A row-level file: re-reading starts right after it. */
    public static SegmentName rows(
            String topic, int partition, long start, long end, String extension) {
        return new SegmentName(topic, partition, start, end, end + 1, extension);
    }

    public String fileName() {
        String base = topic + "+" + partition + "+" + pad(start) + "+" + pad(end);
        if (resume != end + 1) {
            base += "+" + pad(resume);
        }
        return base + "." + extension;
    }

    /** The name an open file has while it is written: only the start is known then. */
    public static String inProgressName(String topic, int partition, long start, String extension) {
        return topic + "+" + partition + "+" + pad(start) + "." + extension + IN_PROGRESS;
    }

    public static Optional<SegmentName> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        long start = Long.parseLong(m.group(3));
        long end = Long.parseLong(m.group(4));
        long resume = m.group(5) == null ? end + 1 : Long.parseLong(m.group(5));
        return Optional.of(
                new SegmentName(
                        m.group(1), Integer.parseInt(m.group(2)), start, end, resume, m.group(6)));
    }

    private static String pad(long offset) {
        return String.format("%020d", offset);
    }
}
