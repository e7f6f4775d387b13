package io.magpie.persistence;

import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
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
import java.util.function.Function;

/**
 * The fork-free child of BGSAVE and BGREWRITEAOF: a {@link KeyspaceSnapshot} stepped from
 * the keyspace thread's task queue, about a millisecond of buckets per turn between
 * commands, whose bytes a background thread writes to a temp file, fsyncs and renames to
 * the target, as Redis's child does. The outcome is reported back on the keyspace thread.
 */
final class BackgroundSnapshot {
    /** Called on the keyspace thread when the file is in place (ok) or abandoned. */
    interface Done {
        void done(BackgroundSnapshot s, boolean ok);
    }

    /** Above this many bytes waiting for the disk, the snapshot pauses (bounds its memory). */
    private static final long MAX_PENDING_BYTES = 32L << 20;

    final Path tmp, target;
    final KeyspaceSnapshot snapshot;
    final KeyspaceSnapshot.Sink sink;
    final AtomicReference<Throwable> ioError = new AtomicReference<>();
    final long startNanos = System.nanoTime();
    final long startSeconds = System.currentTimeMillis() / 1000;
    private final ScheduledExecutorService mainThread;
    private final FileChannel ch;
    private final ExecutorService io;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final Done onDone;
    private boolean aborted, finishing;

    /** Opens tmp and starts the snapshot now; sinkFactory builds the serializer over the file's flusher. */
    BackgroundSnapshot(Engine engine, ScheduledExecutorService mainThread, Path tmp, Path target, String threadName,
            Function<RdbWriter.Flusher, KeyspaceSnapshot.Sink> sinkFactory, Done onDone) throws IOException {
        this.mainThread = mainThread;
        this.tmp = tmp;
        this.target = target;
        this.onDone = onDone;
        ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        sink = sinkFactory.apply((buf, len) -> {
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
        });
        snapshot = KeyspaceSnapshot.start(engine, sink);
    }

    static void writeFully(FileChannel ch, byte[] buf, int len) {
        try {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
            while (bb.hasRemaining()) ch.write(bb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean aborted() {
        return aborted;
    }

    /** Schedules the first turn. */
    void start() {
        mainThread.execute(this::step);
    }

    /** One turn on the keyspace thread: about a millisecond of buckets, then yield to clients. */
    private void step() {
        if (aborted || finishing) return;
        if (ioError.get() != null) {
            snapshot.abort();
            finishOnDisk();
            return;
        }
        if (pendingBytes.get() > MAX_PENDING_BYTES) {
            mainThread.schedule(this::step, 1, TimeUnit.MILLISECONDS);
            return;
        }
        boolean done;
        try {
            long deadline = System.nanoTime() + 1_000_000;
            do {
                done = snapshot.step(512);
            } while (!done && System.nanoTime() < deadline);
        } catch (RuntimeException e) {
            ioError.compareAndSet(null, e);
            snapshot.abort();
            finishOnDisk();
            return;
        }
        // Scheduled, not executed: Netty runs a task queued from a task in the same batch
        // (up to 64 before it checks the clock), which would starve clients; a scheduled
        // task waits for the next loop turn, after pending I/O.
        if (done) finishOnDisk();
        else mainThread.schedule(this::step, 0, TimeUnit.NANOSECONDS);
    }

    /** Runs the snapshot to its end on this thread (another snapshot needs the keyspace's one slot). */
    void finishSnapshotNow() {
        if (aborted || finishing) return;
        try {
            snapshot.finish();
        } catch (RuntimeException e) {
            ioError.compareAndSet(null, e);
            snapshot.abort();
        }
        finishOnDisk();
    }

    /** After the last bytes: fsync and rename on the writer thread, then report back. */
    private void finishOnDisk() {
        if (finishing) return;
        finishing = true;
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
                if (!aborted) onDone.done(this, success);
            });
            io.shutdown();
        });
    }

    /** Abandons the snapshot and removes the temp file (SHUTDOWN, a killed child). */
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
