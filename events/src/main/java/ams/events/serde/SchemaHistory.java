package ams.events.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The schemas this project has released, read from {@code ams/schema-history/vN/<Record>.avsc} on
 * the classpath. Every release copies all topic schemas into a new {@code vN} folder, so versions
 * are read from v1 upwards until a folder is missing.
 */
public final class SchemaHistory {

    private static final String ROOT = "ams/schema-history/";

    private SchemaHistory() {}

    /**
     * Every released version of the record with this simple name (e.g. {@code AgentEvent}), oldest
     * first. A record first released in a later vN (JobEvent, v2) is simply absent from the older
     * folders; AgentEvent is in every folder, so its absence marks the end of the history.
     */
    public static List<Schema> releasedVersions(String recordSimpleName) {
        List<Schema> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String path = ROOT + "v" + version + "/" + recordSimpleName + ".avsc";
            try (InputStream in = SchemaHistory.class.getClassLoader().getResourceAsStream(path)) {
                if (in == null) {
                    if (!released(version)) {
                        return versions;
                    }
                    continue;
                }
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read released schema " + path, e);
            }
        }
    }

    private static boolean released(int version) {
        return SchemaHistory.class
                        .getClassLoader()
                        .getResource(ROOT + "v" + version + "/AgentEvent.avsc")
                != null;
    }
}
