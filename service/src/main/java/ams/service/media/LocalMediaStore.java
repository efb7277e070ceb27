package ams.service.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A media store in a local directory: {@code <dir>/<first 2 hex>/<sha256>}. A put streams to a
 * temporary file under {@code <dir>/.incoming}, hashing and counting as it goes, forces it to disk
 * and moves it into place atomically, so a crash leaves either the whole object or none (at most a
 * stray temporary file, which a writer removes when it starts and the file is an hour old). The
 * type is not stored beside the bytes: it is read again from their magic number, so the object is
 * the only thing on disk.
 */
public final class LocalMediaStore implements MediaStore {

    private final Path root;
    private final Path incoming;
    private final MediaRules rules;

    /** A temporary file older than this is a put that was cut short, never one in progress. */
    private static final Duration STALE = Duration.ofHours(1);

    /** The store that writes: it creates the directory and removes stale temporary files. */
    public LocalMediaStore(Path root, long maxBytes, List<String> allowedTypes) throws IOException {
        this(root, new MediaRules(maxBytes, allowedTypes));
        Files.createDirectories(incoming);
        removeStale();
    }

    private LocalMediaStore(Path root, MediaRules rules) {
        this.root = root.toAbsolutePath();
        this.incoming = this.root.resolve(".incoming");
        this.rules = rules;
    }

    /**
     * A store for a process that reads media (the orchestrator's turn workers): it creates nothing
     * and never touches another process's temporary files.
     */
    public static LocalMediaStore reader(Path root) {
        return new LocalMediaStore(
                root, new MediaRules(Long.MAX_VALUE, MediaTypes.DEFAULT_ALLOWED));
    }

    /** Left by a put that was cut short (a crash): never an object, never referenced. */
    private void removeStale() throws IOException {
        FileTime before = FileTime.from(Instant.now().minus(STALE));
        try (var files = Files.list(incoming)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.getLastModifiedTime(file).compareTo(before) < 0) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public MediaObject put(InputStream in, String declaredType) throws IOException {
        Optional<String> declared = rules.declared(declaredType);
        Files.createDirectories(incoming);
        Path temp = Files.createTempFile(incoming, "put-", ".part");
        try {
            MessageDigest digest = sha256();
            byte[] head = new byte[MediaTypes.MAGIC_BYTES];
            int headLength = 0;
            long size = 0;
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                    OutputStream out =
                            new DigestOutputStream(Channels.newOutputStream(channel), digest)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    size += n;
                    rules.checkSize(size);
                    if (headLength < head.length) {
                        int take = Math.min(n, head.length - headLength);
                        System.arraycopy(buffer, 0, head, headLength, take);
                        headLength += take;
                    }
                    out.write(buffer, 0, n);
                }
                out.flush();
                channel.force(true);
            }
            String sniffed = rules.typeOf(head, headLength, size, declared);
            String hash = HexFormat.of().formatHex(digest.digest());
            Path target = path(hash);
            if (!Files.exists(target)) {
                Files.createDirectories(target.getParent());
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException raced) {
                    // Another put of the same bytes won: the object is there, whole.
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("media.dir " + root + " cannot move files atomically", e);
                }
            }
            return new MediaObject(hash, sniffed, size);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public Optional<MediaObject> find(String sha256) throws IOException {
        String hash = MediaStore.checkHash(sha256);
        Path file = path(hash);
        byte[] head = new byte[MediaTypes.MAGIC_BYTES];
        int length;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            length = in.readNBytes(head, 0, head.length);
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String type = MediaTypes.sniff(head, length).orElse("application/octet-stream");
        return Optional.of(new MediaObject(hash, type, size));
    }

    @Override
    public Optional<byte[]> read(String sha256) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(path(MediaStore.checkHash(sha256))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<InputStream> open(String sha256) throws IOException {
        try {
            return Optional.of(Files.newInputStream(path(MediaStore.checkHash(sha256))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<String> transcript(String sha256) throws IOException {
        Path file = transcriptPath(MediaStore.checkHash(sha256));
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Written to a temporary file beside the object and moved into place, so a reader sees the
     * whole transcript or none (the reader store of the turn workers writes here too: it has no
     * {@code .incoming} directory of its own).
     */
    @Override
    public void putTranscript(String sha256, String text) throws IOException {
        Path target = transcriptPath(MediaStore.checkHash(sha256));
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), ".transcript-", ".part");
        try {
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.move(
                    temp,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The transcript sidecar: {@code <root>/<first 2 hex>/<hash>.transcript.txt}. */
    public Path transcriptPath(String hash) {
        return path(hash).resolveSibling(hash + ".transcript.txt");
    }

    /** Where the object with this hash lives: {@code <root>/<first 2 hex>/<hash>}. */
    public Path path(String hash) {
        return root.resolve(hash.substring(0, 2)).resolve(hash);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
