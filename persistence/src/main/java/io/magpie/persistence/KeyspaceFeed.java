package io.magpie.persistence;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.Database;
import io.magpie.persistence.rdb.RdbException;
import io.magpie.persistence.rdb.RdbLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * What a load decodes (keys of an RDB, commands of an AOF), on its way into the keyspace.
 *
 * <p>Inline, each item is applied at once on the calling thread (DEBUG RELOAD, a replica's
 * load: the caller is the keyspace thread). At startup the server is already listening:
 * the loading thread reads and decodes, and the keyspace thread applies a batch at a time
 * between client commands, answering them LOADING meanwhile, as Redis does by processing
 * events every couple of megabytes of loading. One batch is applied while the next is
 * decoded; a failure in a batch (a duplicate key) surfaces on the loading thread at the
 * next hand-off, with its offset.
 */
final class KeyspaceFeed implements RdbLoader.KeyTarget {
    /** Items per batch: about a millisecond of the keyspace thread's time for small keys. */
    private static final int BATCH = 1000;

    /** Progress for INFO: bytes read so far (of all files of the load) and keys added. */
    interface Progress {
        void loaded(long bytes, long keys);

        default void rdbUsedMem(long bytes) {}
    }

    /**
     * Items in file order as parallel arrays: a key is (db, key, value, expiry, access
     * history, offset), an AOF command (fake client, argv) with no value. Two batches take
     * turns (one filled while the other is applied), so a load allocates nothing per key
     * here: a record per key was a fifth of the bytes a 3M-key load allocated.
     */
    private static final class Batch {
        int size;
        final Object[] target = new Object[BATCH]; // Database, or the fake Client of a command
        final Object[] keyOrArgv = new Object[BATCH];
        final Object[] value = new Object[BATCH]; // null for a command
        final long[] expireMs = new long[BATCH], lruIdle = new long[BATCH], lfuFreq = new long[BATCH], offset = new long[BATCH];

        boolean add(Object target, Object keyOrArgv, Object value, long expireMs, long lruIdle, long lfuFreq, long offset) {
            int i = size++;
            this.target[i] = target;
            this.keyOrArgv[i] = keyOrArgv;
            this.value[i] = value;
            this.expireMs[i] = expireMs;
            this.lruIdle[i] = lruIdle;
            this.lfuFreq[i] = lfuFreq;
            this.offset[i] = offset;
            return size == BATCH;
        }

        /** Drops the references, so applied values are not kept alive twice over. */
        void clear() {
            java.util.Arrays.fill(target, 0, size, null);
            java.util.Arrays.fill(keyOrArgv, 0, size, null);
            java.util.Arrays.fill(value, 0, size, null);
            size = 0;
        }
    }

    private final Engine engine;
    private final ExecutorService keyspaceThread; // null: inline
    private final Progress progress;
    private final long keyLoadDelayNanos;
    private Batch filling = new Batch(), spare = new Batch(); // spare: the batch in flight, or free
    private Future<?> inFlight;
    private long fileStart, lastOffset, keys;
    private java.util.function.BiConsumer<String, String> auxListener = (k, v) -> {};

    private KeyspaceFeed(Engine engine, ExecutorService keyspaceThread, long keyLoadDelayMicros, Progress progress) {
        this.engine = engine;
        this.keyspaceThread = keyspaceThread;
        this.keyLoadDelayNanos = Math.max(0, keyLoadDelayMicros) * 1000;
        this.progress = progress;
    }

    static KeyspaceFeed inline(Engine engine, long keyLoadDelayMicros) {
        return new KeyspaceFeed(engine, null, keyLoadDelayMicros, (bytes, keys) -> {});
    }

    static KeyspaceFeed via(Engine engine, ExecutorService keyspaceThread, long keyLoadDelayMicros, Progress progress) {
        return new KeyspaceFeed(engine, keyspaceThread, keyLoadDelayMicros, progress);
    }

    /** Hears each aux field as it is read (the load's log lines come when the load starts, as Redis's). */
    KeyspaceFeed onAux(java.util.function.BiConsumer<String, String> listener) {
        this.auxListener = listener;
        return this;
    }

    /** The next offsets are within a file that starts this many bytes into the whole load. */
    void fileStarts(long bytesBefore) {
        fileStart = bytesBefore;
        lastOffset = 0;
    }

    @Override public void add(Database db, byte[] key, Object value, long expireMs, long lruIdle, long lfuFreq, long offset)
            throws IOException {
        keys++;
        lastOffset = offset;
        if (keyLoadDelayNanos > 0) LockSupport.parkNanos(keyLoadDelayNanos);
        if (keyspaceThread == null) {
            RdbLoader.addKey(engine, db, key, value, expireMs, lruIdle, lfuFreq, offset);
            return;
        }
        if (filling.add(db, key, value, expireMs, lruIdle, lfuFreq, offset)) flush();
    }

    @Override public void resize(Database db, long keys, long expires) throws IOException {
        run(() -> RdbLoader.presize(db, keys, expires));
    }

    @Override public void aux(String key, String value) {
        auxListener.accept(key, value);
        if (key.equals("used-mem")) {
            try {
                progress.rdbUsedMem(Long.parseLong(value));
            } catch (NumberFormatException ignored) {
                // only an estimate for INFO
            }
        }
    }

    /** Runs a command of the AOF through the fake client; offset is where the next command starts. */
    void command(Client fake, byte[][] argv, long offset) throws IOException {
        lastOffset = offset;
        if (keyspaceThread == null) {
            applyCommand(fake, argv);
            return;
        }
        if (filling.add(fake, argv, null, -1, -1, -1, offset)) flush();
    }

    private void applyCommand(Client fake, byte[][] argv) {
        engine.execute(fake, argv);
        fake.output().clear();
    }

    /** Runs task on the keyspace thread after everything handed over so far, and waits for it. */
    void run(Runnable task) throws IOException {
        call(() -> {
            task.run();
            return null;
        });
    }

    /** The same for a task with a result. */
    <T> T call(Callable<T> task) throws IOException {
        if (keyspaceThread == null) {
            try {
                return task.call();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        flush();
        awaitInFlight();
        Future<T> f = keyspaceThread.submit(task);
        inFlight = f;
        awaitInFlight();
        try {
            return f.get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e); // cannot happen: awaitInFlight saw it complete normally
        }
    }

    /**
     * The reading failed with failure: applies what it handed over, as an inline load would
     * have before it read further. Returns the failure to report: a batch's own (a duplicate
     * key) if it lies earlier in the file than failure, else failure.
     */
    IOException abandon(IOException failure) {
        if (keyspaceThread == null) return failure;
        try {
            flush();
            awaitInFlight();
        } catch (RdbException earlier) {
            if (!(failure instanceof RdbException later) || earlier.offset() < later.offset()) return earlier;
        } catch (IOException | RuntimeException ignored) {
            // the reading's own failure stands
        }
        return failure;
    }

    /** Runs task on the keyspace thread once the batches handed over are done, whatever became of them. */
    void finish(Runnable task) {
        try {
            awaitInFlight();
        } catch (IOException | RuntimeException ignored) {
            // already reported, or about to be, by the load that failed
        }
        try {
            run(task);
        } catch (IOException | RuntimeException ignored) {
            // the keyspace thread is gone (the server shut down while loading)
        }
    }

    /** Waits until everything handed over so far is in the keyspace. */
    void sync() throws IOException {
        if (keyspaceThread == null) return;
        flush();
        awaitInFlight();
    }

    private void flush() throws IOException {
        if (filling.size == 0) return;
        try {
            awaitInFlight(); // before the spare batch, the one in flight until now, is filled again
        } catch (IOException | RuntimeException e) {
            filling.clear(); // what follows a failed batch is not applied
            throw e;
        }
        Batch batch = filling;
        filling = spare;
        spare = batch;
        filling.clear();
        long bytes = fileStart + lastOffset, keysSoFar = keys;
        inFlight = keyspaceThread.submit(() -> {
            for (int i = 0; i < batch.size; i++) {
                if (batch.value[i] != null) {
                    try {
                        RdbLoader.addKey(engine, (Database) batch.target[i], (byte[]) batch.keyOrArgv[i], batch.value[i],
                                batch.expireMs[i], batch.lruIdle[i], batch.lfuFreq[i], batch.offset[i]);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                } else {
                    applyCommand((Client) batch.target[i], (byte[][]) batch.keyOrArgv[i]);
                }
            }
            progress.loaded(bytes, keysSoFar);
            return null;
        });
    }

    /** Waits for the batch being applied; rethrows its failure. Gives up if the server shuts down meanwhile. */
    private void awaitInFlight() throws IOException {
        Future<?> f = inFlight;
        if (f == null) return;
        inFlight = null;
        while (true) {
            try {
                f.get(1, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException e) {
                if (keyspaceThread.isShutdown()) throw new IllegalStateException("the server shut down while loading");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof UncheckedIOException u) throw u.getCause();
                if (cause instanceof RuntimeException r) throw r;
                if (cause instanceof Error err) throw err;
                throw new IllegalStateException(cause);
            }
        }
    }
}
