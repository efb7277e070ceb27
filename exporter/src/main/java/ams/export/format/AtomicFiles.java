package ams.export.format;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Publishing a file so that a crash at any moment leaves either the whole file or nothing: write
 * under a temporary name in the same directory, fsync it, rename atomically, fsync the directory.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    public static void fsync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    public static void publish(Path temp, Path target) throws IOException {
        fsync(temp);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(target.getParent());
    }

    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for fsync; the rename is still atomic
            // there.
            if (!System.getProperty("os.name", "")
                    .toLowerCase(java.util.Locale.ROOT)
                    .contains("win")) {
                throw e;
            }
        }
    }

    /** Every regular file under {@code root} whose name matches; an absent root has none. */
    public static List<Path> find(Path root, java.util.function.Predicate<String> nameMatches)
            throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> nameMatches.test(p.getFileName().toString()))
                    .toList();
        }
    }
}
