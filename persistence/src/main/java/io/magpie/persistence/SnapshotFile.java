package io.magpie.persistence;

import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import io.magpie.persistence.rdb.RdbSaver;
import io.magpie.persistence.rdb.RdbWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * A point-in-time RDB of the keyspace written to a file in the background: what Redis's
 * forked child does for BGSAVE and BGREWRITEAOF. The snapshot is stepped on the keyspace
 * thread about a millisecond at a time; a writer thread writes, fsyncs and renames the file,
 * then reports back on the keyspace thread.
 */
final class SnapshotFile {
    /** Above this many bytes waiting for the disk, the snapshot pauses (bounds its memory). */
    private static final long MAX_PENDING_BYTES = 32L << 20;
    private static final int FLUSH_AT = 256 << 10;

    private final ScheduledExecutorService mainThread;
    private final Path tmp, target;
    private final FileChannel ch;
    private final ExecutorService io;
    final KeyspaceSnapshot snapshot;
    final RdbSaver saver;
    private final AtomicLong pendingBytes = new AtomicLong();
    final AtomicReference<Throwable> ioError = new AtomicReference<>();
    final long startNanos = System.nanoTime();
    final long startSeconds = System.currentTimeMillis() / 1000;
    /** Called on the keyspace thread with (this, success) once the file is in place or failed. */
    private final BiConsumer<SnapshotFile, Boolean> done;
    private boolean aborted;

    /** Starts the snapshot now (the point in time is this call) and schedules its steps. */
    SnapshotFile(Engine engine, ScheduledExecutorService mainThread, Path tmp, Path target, boolean compression, boolean checksum,
                 RdbSaver.Aux aux, BiConsumer<SnapshotFile, Boolean> done) throws IOException {
        this.mainThread = mainThread;
        this.tmp = tmp;
        this.target = target;
        this.done = done;
        ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "magpie-snapshot-writer");
            t.setDaemon(true);
            return t;
        });
        RdbWriter w = new RdbWriter(compression, (buf, len) -> {
            pendingBytes.addAndGet(len);
            io.execute(() -> {
                try {
                    if (ioError.get() == null) writeFully(ch, buf, len);
                } catch (RuntimeException e) {
                    ioError.compareAndSet(null, e);
                } finally {
                    pendingBytes.addAndGet(-len);
                }
            });
        }, FLUSH_AT);
        saver = new RdbSaver(w, checksum, aux);
        snapshot = KeyspaceSnapshot.start(engine, saver);
        mainThread.execute(this::step);
    }

    static void writeFully(FileChannel ch, byte[] buf, int len) {
        try {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
            while (bb.hasRemaining()) ch.write(bb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One turn on the keyspace thread: about a millisecond of buckets, then yield to clients. */
    private void step() {
        if (aborted) return;
        if (ioError.get() != null) {
            snapshot.abort();
            finishOnDisk();
            return;
        }
        if (pendingBytes.get() > MAX_PENDING_BYTES) {
            mainThread.schedule(this::step, 1, TimeUnit.MILLISECONDS);
            return;
        }
        boolean finished;
        try {
            long deadline = System.nanoTime() + 1_000_000;
            do {
                finished = snapshot.step(512);
            } while (!finished && System.nanoTime() < deadline);
        } catch (RuntimeException e) {
            ioError.compareAndSet(null, e);
            snapshot.abort();
            finishOnDisk();
            return;
        }
        // Scheduled, not executed: Netty runs a task queued from a task in the same batch
        // (up to 64 before it checks the clock), which would starve clients; a scheduled
        // task waits for the next loop turn, after pending I/O.
        if (finished) finishOnDisk();
        else mainThread.schedule(this::step, 0, TimeUnit.NANOSECONDS);
    }

    /** After the last bytes: fsync and rename on the writer thread, then report back. */
    private void finishOnDisk() {
        io.execute(() -> {
            boolean ok = ioError.get() == null;
            try {
                if (ok) ch.force(true);
                ch.close();
                if (ok) Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                ioError.compareAndSet(null, e);
                ok = false;
            }
            if (!ok) deleteQuietly(tmp);
            final boolean success = ok;
            mainThread.execute(() -> {
                if (!aborted) done.accept(this, success);
            });
            io.shutdown();
        });
    }

    void abort() {
        aborted = true;
        snapshot.abort();
        io.execute(() -> {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the file is deleted next
            }
            deleteQuietly(tmp);
        });
        io.shutdown();
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a stale temp file is harmless
        }
    }
}
