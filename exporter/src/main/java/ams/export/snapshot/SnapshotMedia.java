package ams.export.snapshot;

import ams.export.DocumentRow;
import ams.export.format.MediaBundle;
import ams.service.media.MediaStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The media a snapshot refers to, copied beside it: the images of knowledge documents (their
 * metadata's {@code media}) and the images and audio of messages (their {@code media} column), as
 * {@code media/<sha256>.<ext>} under the snapshot's root, read from whichever store is configured.
 * An object the store does not have is counted as missing: a snapshot never fails for it.
 */
public final class SnapshotMedia {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a snapshot bundled.
     *
     * @param referenced distinct objects the snapshot refers to
     * @param bundled copied now
     * @param present already in {@code media/} from an earlier snapshot
     * @param missing not in the store
     */
    public record Report(long referenced, long bundled, long present, long missing, Path dir) {}

    private final Map<String, String> types = new LinkedHashMap<>();

    /** Adds the images of knowledge documents (the {@code media} object of their metadata). */
    public SnapshotMedia knowledge(Collection<DocumentRow> documents) {
        for (DocumentRow d : documents) {
            JsonNode media;
            try {
                media = JSON.readTree(d.metadataJson()).path("media");
            } catch (IOException | RuntimeException e) {
                continue; // metadata that is not JSON refers to no media
            }
            if (media.hasNonNull("sha256")) {
                types.putIfAbsent(
                        media.path("sha256").asText(),
                        media.path("content_type").asText(d.contentType()));
            }
        }
        return this;
    }

    /** Adds the media of messages (rows of {@link ams.export.format.MessageRows#SCHEMA}). */
    public SnapshotMedia messages(Collection<GenericRecord> rows) {
        for (GenericRecord row : rows) {
            Object media = row.get("media");
            if (media instanceof List<?> list) {
                for (Object item : list) {
                    if (item instanceof GenericRecord ref && ref.get("sha256") != null) {
                        Object type = ref.get("content_type");
                        types.putIfAbsent(
                                ref.get("sha256").toString(),
                                type == null ? null : type.toString());
                    }
                }
            }
        }
        return this;
    }

    /** Copies every referenced object into {@code <root>/media/}. */
    public Report bundle(MediaStore store, Path root) throws IOException {
        MediaBundle bundle = new MediaBundle(store, root);
        long bundled = 0;
        long present = 0;
        long missing = 0;
        for (Map.Entry<String, String> e : types.entrySet()) {
            switch (bundle.bundle(e.getKey(), e.getValue())) {
                case BUNDLED -> bundled++;
                case PRESENT -> present++;
                case MISSING -> missing++;
            }
        }
        return new Report(types.size(), bundled, present, missing, root.resolve(MediaBundle.DIR));
    }
}
