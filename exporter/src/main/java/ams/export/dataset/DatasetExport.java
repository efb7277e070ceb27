package ams.export.dataset;

import ams.events.topics.TopicCatalogue;
import ams.export.format.AtomicFiles;
import ams.export.sink.SegmentName;
import ams.export.snapshot.TopicScan;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A training dataset as a snapshot over the whole log: per-speaker views of every conversation,
 * filtered, deduplicated, split by conversation, written as Parquet and/or JSONL with a dataset
 * card and a quality report.
 *
 * <p>Order of the pipeline (each step counted in the report): conversations that did not complete;
 * empty and repeated-phrase turns; per-speaker views; scripted-responder samples; too few / too
 * many tokens; exact duplicates; near duplicates (the first of a group, in log order, is kept).
 * Dedup runs over the whole dataset before the split, so no sample has a copy in another split.
 */
public final class DatasetExport {

    /** Everything a user chooses about an export. */
    public record Options(
            DatasetFormat format,
            SpeakerViews.Options views,
            Splits splits,
            boolean dedup,
            double nearDuplicateThreshold,
            int minTokens,
            int maxTokens,
            double maxRepeatedFraction,
            boolean includeScripted,
            boolean includeIncomplete,
            boolean parquet,
            boolean jsonl,
            String encoding,
            String codec) {

        public Options {
            if (!parquet && !jsonl) {
                throw new IllegalArgumentException("write Parquet, JSONL or both");
            }
            if (minTokens < 0 || (maxTokens > 0 && maxTokens < minTokens)) {
                throw new IllegalArgumentException(
                        "token limits must satisfy 0 <= min <= max (max 0 = no limit); were "
                                + minTokens
                                + ", "
                                + maxTokens);
            }
        }

        /** Defaults: dedup on at 0.8, 0.9/0.05/0.05, scripted and unfinished excluded. */
        public static Options defaults(DatasetFormat format) {
            return new Options(
                    format,
                    new SpeakerViews.Options(Set.of(), true, 0),
                    new Splits(0.9, 0.05, 0.05),
                    true,
                    0.8,
                    1,
                    0,
                    0.5,
                    false,
                    false,
                    true,
                    true,
                    "cl100k_base",
                    "ZSTD");
        }
    }

    /** What an export wrote. */
    public record Result(Path root, List<Path> files, Map<String, Long> rowsPerSplit, long rows) {}

    private final ObjectMapper mapper = new ObjectMapper();
    private final DatasetMedia.Options media;

    /** An export that knows no media store: every image counts as missing. */
    public DatasetExport() {
        this(DatasetMedia.Options.none());
    }

    /**
     * An export whose rows carry the messages' images: SFT as OpenAI content parts, ShareGPT and
     * instruction as an {@code images} list with {@code <image>} placeholders.
     */
    public DatasetExport(DatasetMedia.Options media) {
        this.media = media;
    }

    /** Reads agent-events and conversation-events to their current end, then exports. */
    public Result fromLog(
            String bootstrapServers, TopicCatalogue catalogue, Options options, Path root)
            throws IOException {
        return fromLog(bootstrapServers, catalogue, options, root, null);
    }

    /**
     * As {@link #fromLog(String, TopicCatalogue, Options, Path)}, limited to one batch job's
     * conversations when {@code jobId} is not null ({@link JobFilter}).
     */
    public Result fromLog(
            String bootstrapServers,
            TopicCatalogue catalogue,
            Options options,
            Path root,
            String jobId)
            throws IOException {
        AgentPrompts prompts = new AgentPrompts();
        TopicScan.scan(bootstrapServers, catalogue.agentEvents(), prompts::apply);
        ConversationLog log = new ConversationLog();
        JobFilter job = jobId == null ? null : new JobFilter(jobId);
        TopicScan.scan(
                bootstrapServers,
                catalogue.conversationEvents(),
                event -> {
                    if (job == null || job.accept(event)) {
                        log.apply(event);
                    }
                });
        return export(log.conversations(), prompts, options, root);
    }

    public Result export(
            List<LogConversation> conversations, AgentPrompts prompts, Options options, Path root)
            throws IOException {
        Files.createDirectories(root);
        TokenCounter tokens = new TokenCounter(options.encoding());
        SpeakerViews views = new SpeakerViews(prompts, options.views());
        QualityReport report = new QualityReport();
        // SFT carries images as content parts, ShareGPT and instruction as an images list with
        // <image> placeholders; a dataset without images keeps its schema.
        boolean images = hasImages(conversations);
        Schema schema = options.format().schema(images);
        DatasetMedia mediaFiles = new DatasetMedia(media, root);
        List<String> splits = options.splits().used();
        Set<Long> exact = new HashSet<>();
        NearDuplicates near =
                new NearDuplicates(options.nearDuplicateThreshold(), conversations.size() * 2);
        int sampleNumber = 0;
        try (DatasetFiles files =
                new DatasetFiles(
                        root,
                        schema,
                        splits,
                        options.parquet(),
                        options.jsonl(),
                        options.codec())) {
            for (LogConversation c : conversations) {
                report.conversation(c.status(), c.turns().size());
                if (report.count(
                        "conversation not completed (failed, cancelled, running)",
                        !options.includeIncomplete() && !"COMPLETED".equals(c.status()))) {
                    continue;
                }
                List<LogConversation.Turn> kept = new ArrayList<>(c.turns().size());
                for (LogConversation.Turn t : c.turns()) {
                    boolean hasImage =
                            t.message().getMedia() != null
                                    && t.message().getMedia().stream()
                                            .anyMatch(DatasetMedia::image);
                    if (report.count("empty turn", TextChecks.empty(t.content()) && !hasImage)
                            || report.count(
                                    "repeated-phrase turn",
                                    TextChecks.repetitive(
                                            t.content(), options.maxRepeatedFraction()))) {
                        continue;
                    }
                    kept.add(t);
                }
                LogConversation clean =
                        new LogConversation(
                                c.conversationId(),
                                c.topic(),
                                c.participants(),
                                c.humans(),
                                c.status(),
                                kept);
                String split = options.splits().of(c.conversationId());
                for (Sample s : views.samples(clean)) {
                    if (report.count(
                            "scripted responder output",
                            s.scripted() && !options.includeScripted())) {
                        continue;
                    }
                    int systemTokens = tokens.count(s.system());
                    int[] turnTokens = new int[s.turns().size()];
                    int total = systemTokens;
                    for (int i = 0; i < turnTokens.length; i++) {
                        turnTokens[i] = tokens.count(s.turns().get(i).content());
                        total += turnTokens[i];
                    }
                    if (report.count("too few tokens", total < options.minTokens())
                            || report.count(
                                    "too many tokens",
                                    options.maxTokens() > 0 && total > options.maxTokens())) {
                        continue;
                    }
                    if (options.dedup()) {
                        String text = s.dedupText();
                        if (report.count("exact duplicate", !exact.add(TextChecks.exactKey(text)))
                                || report.count(
                                        "near duplicate", near.add(sampleNumber++, text) >= 0)) {
                            continue;
                        }
                    }
                    List<GenericRecord> rows =
                            options.format()
                                    .rows(
                                            schema,
                                            s,
                                            total,
                                            tokens::count,
                                            images ? imageUrls(s, mediaFiles) : List.of());
                    files.write(split, rows);
                    report.written(split, s, rows.size(), turnTokens, systemTokens);
                }
            }
            List<Path> written = files.publish();
            Map<String, Long> rows = new LinkedHashMap<>();
            Map<String, Long> bytes = new LinkedHashMap<>();
            for (String split : splits) {
                rows.put(split, report.rowsPerSplit().getOrDefault(split, 0L));
                Path main =
                        root.resolve(
                                        options.parquet()
                                                ? DatasetFiles.PARQUET_DIR
                                                : DatasetFiles.JSONL_DIR)
                                .resolve(
                                        split
                                                + "-00000-of-00001."
                                                + (options.parquet() ? "parquet" : "jsonl"));
                bytes.put(split, Files.size(main));
            }
            ObjectNode reportJson = report.json(mapper, header(options, tokens));
            if (mediaFiles.images() > 0) {
                ObjectNode m = reportJson.putObject("media");
                m.put("urls", media.urls().name().toLowerCase(java.util.Locale.ROOT));
                m.put("images", mediaFiles.images());
                m.put("media_missing", mediaFiles.missing());
                m.put("files_bundled", mediaFiles.bundled());
            }
            List<Path> out = new ArrayList<>(written);
            out.add(
                    writeText(
                            root.resolve("quality_report.json"),
                            mapper.writerWithDefaultPrettyPrinter().writeValueAsString(reportJson)
                                    + "\n"));
            out.add(writeText(root.resolve("quality_report.html"), QualityReport.html(reportJson)));
            out.add(
                    writeText(
                            root.resolve("README.md"),
                            DatasetCard.write(
                                    options.format(),
                                    schema,
                                    splits,
                                    rows,
                                    bytes,
                                    options.parquet(),
                                    reportJson)));
            return new Result(root, out, rows, report.rows());
        }
    }

    private static boolean hasImages(List<LogConversation> conversations) {
        for (LogConversation c : conversations) {
            for (LogConversation.Turn t : c.turns()) {
                if (t.message().getMedia() != null
                        && t.message().getMedia().stream().anyMatch(DatasetMedia::image)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The content-part URLs of each turn's images; a missing image is counted and left out. */
    private static List<List<String>> imageUrls(Sample s, DatasetMedia media) throws IOException {
        List<List<String>> urls = new ArrayList<>(s.turns().size());
        for (Sample.ChatTurn t : s.turns()) {
            List<String> turn = new ArrayList<>(t.images().size());
            for (var ref : t.images()) {
                media.url(ref).ifPresent(turn::add);
            }
            urls.add(turn);
        }
        return urls;
    }

    private ObjectNode header(Options o, TokenCounter tokens) {
        ObjectNode h = mapper.createObjectNode();
        h.put("format", o.format().label());
        h.put("created_at", Instant.now().toString());
        h.put("tokenizer", tokens.name());
        ObjectNode options = h.putObject("options");
        var agents = options.putArray("agents");
        o.views().agents().stream().sorted().forEach(agents::add);
        options.put("include_humans", o.views().includeHumans());
        options.put("max_turns", o.views().maxTurns());
        options.put("split", o.splits().toString());
        options.put("dedup", o.dedup());
        options.put("near_duplicate_threshold", o.nearDuplicateThreshold());
        options.put("min_tokens", o.minTokens());
        options.put("max_tokens", o.maxTokens());
        options.put("max_repeated_fraction", o.maxRepeatedFraction());
        options.put("include_scripted", o.includeScripted());
        options.put("include_incomplete", o.includeIncomplete());
        return h;
    }

    private static Path writeText(Path target, String text) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + SegmentName.IN_PROGRESS);
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        AtomicFiles.fsync(temp);
        AtomicFiles.publish(temp, target);
        return target;
    }
}
