package io.magpie.cluster.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * cluster-config-file on disk. A save writes a temporary file beside it, fsyncs it when asked,
 * and renames it over the old one, so a crash leaves either the old or the new file whole.
 */
public final class NodesConfFile {
    private NodesConfFile() {}

    /** The file's text, or null when it does not exist or is empty (then a new node is created). */
    public static String read(Path path) throws IOException {
        try {
            byte[] bytes = Files.readAllBytes(path);
            return bytes.length == 0 ? null : new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Replaces the file with {@code content}; with {@code fsync}, durably (file and directory). */
    public static void write(Path path, String content, boolean fsync) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = dir.resolve("temp-" + ProcessHandle.current().pid() + "-" + absolute.getFileName());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) ch.write(buf);
            if (fsync) ch.force(true);
        }
        try {
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
        }
        if (fsync) fsyncDirectory(dir);
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory for fsync; the rename itself is done.
        }
    }
}
