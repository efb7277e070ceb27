package ams.service.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * The media store's settings, defined once for every process that reads or writes media (the REST
 * API writes, the orchestrator's turn workers and the exporter read): they must agree on the store
 * ({@code media.store} and {@code media.dir} or {@code media.s3.*}).
 */
public final class MediaConfig {

    public static final String MEDIA_DIR = "media.dir";
    public static final String MEDIA_MAX_BYTES = "media.max.bytes";
    public static final String MEDIA_ALLOWED_TYPES = "media.allowed.types";
    public static final String MEDIA_STORE = "media.store";
    public static final String MEDIA_S3_ENDPOINT = "media.s3.endpoint";
    public static final String MEDIA_S3_REGION = "media.s3.region";
    public static final String MEDIA_S3_BUCKET = "media.s3.bucket";
    public static final String MEDIA_S3_ACCESS_KEY = "media.s3.access.key";
    public static final String MEDIA_S3_SECRET_KEY = "media.s3.secret.key";
    public static final String MEDIA_S3_PREFIX = "media.s3.prefix";

    /** Every key {@link #define} adds, for a process that takes them from the environment. */
    public static final List<String> KEYS =
            List.of(
                    MEDIA_STORE,
                    MEDIA_DIR,
                    MEDIA_MAX_BYTES,
                    MEDIA_ALLOWED_TYPES,
                    MEDIA_S3_ENDPOINT,
                    MEDIA_S3_REGION,
                    MEDIA_S3_BUCKET,
                    MEDIA_S3_ACCESS_KEY,
                    MEDIA_S3_SECRET_KEY,
                    MEDIA_S3_PREFIX);

    /** The kinds of store {@code media.store} names. */
    public static final String LOCAL = "local";

    public static final String S3 = "s3";

    public static final String DEFAULT_DIR = "./ams-data/media";
    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;

    private MediaConfig() {}

    /** Adds the media keys to {@code def}. */
    public static ConfigDef define(ConfigDef def) {
        return def.define(
                        MEDIA_STORE,
                        ConfigDef.Type.STRING,
                        LOCAL,
                        ConfigDef.CaseInsensitiveValidString.in(LOCAL, S3),
                        Importance.MEDIUM,
                        "Where media bytes are kept: local (the directory media.dir) or s3 (an"
                                + " S3-compatible bucket, media.s3.*). Every process that reads"
                                + " or writes media must name the same store (env"
                                + " AMS_MEDIA_STORE).")
                .define(
                        MEDIA_DIR,
                        ConfigDef.Type.STRING,
                        DEFAULT_DIR,
                        new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM,
                        "Directory of the content-addressed media store (<dir>/<2 hex>/<sha256>);"
                                + " every process that reads media must see the same directory"
                                + " (env AMS_MEDIA_DIR).")
                .define(
                        MEDIA_MAX_BYTES,
                        ConfigDef.Type.LONG,
                        DEFAULT_MAX_BYTES,
                        Range.atLeast(1),
                        Importance.MEDIUM,
                        "Largest media object accepted, in bytes (413 over it).")
                .define(
                        MEDIA_ALLOWED_TYPES,
                        ConfigDef.Type.LIST,
                        MediaTypes.DEFAULT_ALLOWED,
                        Importance.LOW,
                        "Media types accepted, checked against the bytes' magic numbers (415"
                                + " otherwise).")
                .define(
                        MEDIA_S3_ENDPOINT,
                        ConfigDef.Type.STRING,
                        "",
                        Importance.MEDIUM,
                        "media.store=s3: the store's URL, requests go path-style to"
                                + " <endpoint>/<bucket>/<key> (e.g. https://s3.eu-west-1.amazonaws.com,"
                                + " http://127.0.0.1:9000 for MinIO).")
                .define(
                        MEDIA_S3_REGION,
                        ConfigDef.Type.STRING,
                        "us-east-1",
                        Importance.MEDIUM,
                        "media.store=s3: the region the requests are signed for (SigV4).")
                .define(
                        MEDIA_S3_BUCKET,
                        ConfigDef.Type.STRING,
                        "",
                        Importance.MEDIUM,
                        "media.store=s3: the bucket (it must exist).")
                .define(
                        MEDIA_S3_ACCESS_KEY,
                        ConfigDef.Type.STRING,
                        "",
                        Importance.MEDIUM,
                        "media.store=s3: the access key id.")
                .define(
                        MEDIA_S3_SECRET_KEY,
                        ConfigDef.Type.PASSWORD,
                        "",
                        Importance.MEDIUM,
                        "media.store=s3: the secret access key.")
                .define(
                        MEDIA_S3_PREFIX,
                        ConfigDef.Type.STRING,
                        "",
                        Importance.LOW,
                        "media.store=s3: a prefix of every object key (e.g. ams/media/); objects"
                                + " are <prefix><2 hex>/<sha256>.");
    }

    /** The media keys of {@code props} read with their types and defaults. */
    public static AbstractConfig parse(Map<?, ?> props) {
        return new AbstractConfig(define(new ConfigDef()), props);
    }

    /** Whether the config names the S3-compatible store. */
    public static boolean s3(AbstractConfig config) {
        return S3.equalsIgnoreCase(config.getString(MEDIA_STORE));
    }

    /** The S3 settings of a config with {@link #define}'s keys. */
    public static S3Settings s3Settings(AbstractConfig config) {
        String endpoint = config.getString(MEDIA_S3_ENDPOINT).strip();
        URI uri;
        try {
            uri = endpoint.isEmpty() ? null : new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    MEDIA_S3_ENDPOINT + " is not a URL: '" + endpoint + "'", e);
        }
        return new S3Settings(
                uri,
                config.getString(MEDIA_S3_REGION),
                config.getString(MEDIA_S3_BUCKET),
                config.getString(MEDIA_S3_ACCESS_KEY),
                config.getPassword(MEDIA_S3_SECRET_KEY).value(),
                config.getString(MEDIA_S3_PREFIX));
    }

    /** The store a config with {@link #define}'s keys names, for the process that writes. */
    public static MediaStore open(AbstractConfig config) {
        if (s3(config)) {
            return new S3MediaStore(
                    s3Settings(config),
                    config.getLong(MEDIA_MAX_BYTES),
                    config.getList(MEDIA_ALLOWED_TYPES));
        }
        return open(
                Path.of(config.getString(MEDIA_DIR)),
                config.getLong(MEDIA_MAX_BYTES),
                config.getList(MEDIA_ALLOWED_TYPES));
    }

    /**
     * The store for a process that only reads media (and keeps transcripts): a local one creates
     * nothing; an S3 one is the same as the writer's (it holds no local state).
     */
    public static MediaStore reader(AbstractConfig config) {
        if (s3(config)) {
            return new S3MediaStore(s3Settings(config), Long.MAX_VALUE, MediaTypes.DEFAULT_ALLOWED);
        }
        return LocalMediaStore.reader(Path.of(config.getString(MEDIA_DIR)));
    }

    public static LocalMediaStore open(Path dir, long maxBytes, List<String> allowedTypes) {
        try {
            return new LocalMediaStore(dir, maxBytes, allowedTypes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the media store at " + dir, e);
        }
    }
}
