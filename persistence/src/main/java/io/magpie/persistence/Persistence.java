package io.magpie.persistence;

import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Params.StringParam;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import io.magpie.persistence.rdb.RdbException;
import io.magpie.persistence.rdb.RdbLoader;
import io.magpie.persistence.rdb.RdbReader;
import io.magpie.persistence.rdb.RdbSaver;
import io.magpie.persistence.rdb.RdbWriter;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;

/**
 * RDB persistence of a server (rdb.c's server side): SAVE, BGSAVE, LASTSAVE, the save
 * rules, loading at startup, the SHUTDOWN save, DEBUG RELOAD, and INFO's persistence
 * fields. All methods run on the keyspace thread unless said otherwise.
 *
 * <p>BGSAVE without fork: a {@link KeyspaceSnapshot} is stepped from the keyspace thread's
 * task queue, about a millisecond of buckets per turn, between commands; the RDB bytes go
 * to a background thread that writes, fsyncs and renames the file, as Redis's child does.
 */
public final class Persistence {
    /** Where log lines go (the server's Redis-format log). */
    public interface Logger {
        void notice(String message);

        void warning(String message);
    }

    /** The dataset could not be loaded at start; the reason is already in the log (so it is logged once). */
    public static final class LoadFailure extends IllegalStateException {
        LoadFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save rules wait this long. */
    private static final long BGSAVE_RETRY_DELAY_SECONDS = 5;
    private static final int FLUSH_AT = 256 << 10;
    public static final String REDIS_VERSION = "7.0.15";
    public static final String MISCONF = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
            + "persist to disk. Commands that may modify the data set are disabled, because this instance is configured "
            + "to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
            + "Please check the Redis logs for details about the RDB error.";

    private final Engine engine;
    private final Config registry;
    private final ScheduledExecutorService mainThread;
    private final Logger log;

    public final SaveParam save;
    public final StringParam dbfilename;
    public final BoolParam rdbcompression, rdbchecksum, stopWritesOnBgsaveError;
    /** Redis's test knob: microseconds to wait per key loaded, so tests can watch a load in progress. */
    public final LongParam keyLoadDelay;

    private long lastSave = System.currentTimeMillis() / 1000;
    private long lastBgsaveTry;
    private boolean lastBgsaveOk = true;
    private long lastBgsaveTimeSec = -1;
    private long rdbSaves;
    private long dirtyBeforeBgsave;
    private volatile long lastLoadKeysLoaded, lastLoadKeysExpired;
    /** INFO's loading_* fields: written by the loading thread, read by INFO on the keyspace thread. */
    private volatile long loadingStartTime, loadingTotalBytes, loadingLoadedBytes, loadingRdbUsedMem;
    /** Set while the startup load runs, and left set if it fails: the keyspace then holds part of the files. */
    private volatile boolean startupLoadFailed;
    /** Set once the startup load succeeded: before that, a shutdown (a failed start) must not write anything. */
    private volatile boolean datasetLoaded;
    /** The thread that owns the keyspace (mainThread's), to tell a startup load from an inline one. */
    private volatile Thread keyspaceThread;
    private BackgroundSnapshot bgsave;
    /** Told the outcome of the running BGSAVE (a disk-based replica sync waits for it). */
    private java.util.function.Consumer<Boolean> bgsaveListener;
    /** Stops a diskless replication transfer, which holds the snapshot slot as an RDB child does. */
    private Runnable replicationChild;
    private final Aof aof;

    public Persistence(Engine engine, Config registry, ScheduledExecutorService mainThread, Logger log) {
        this.engine = engine;
        this.registry = registry;
        this.mainThread = mainThread;
        this.log = log;
        save = registry.register(new SaveParam());
        dbfilename = registry.register(new StringParam("dbfilename", "dump.rdb"));
        rdbcompression = registry.register(new BoolParam("rdbcompression", true));
        rdbchecksum = registry.register(new BoolParam("rdbchecksum", true));
        rdbchecksum.immutable();
        stopWritesOnBgsaveError = registry.register(new BoolParam("stop-writes-on-bgsave-error", true));
        keyLoadDelay = registry.register(new LongParam("key-load-delay", 0, Integer.MIN_VALUE, Integer.MAX_VALUE, false));
        keyLoadDelay.hidden();
        PersistenceCommands.register(engine, this);
        aof = new Aof(engine, registry, mainThread, log, this);
        mainThread.execute(() -> keyspaceThread = Thread.currentThread());
        engine.onFlushAll(this::flushedAll);
        engine.pipeline().setDiskErrorState(this::writesDeniedError);
    }

    /* ---------------- paths ---------------- */

    private Path dir() {
        Param p = registry.find("dir");
        return Path.of(p == null ? "." : p.get());
    }

    public Path rdbPath() {
        return dir().resolve(dbfilename.value());
    }

    private long nowSeconds() {
        return engine.now() / 1000;
    }

    /* ---------------- state ---------------- */

    public long lastSave() {
        return lastSave;
    }

    public boolean bgsaveInProgress() {
        return bgsave != null || replicationChild != null;
    }

    /**
     * A diskless replica sync started (abort non-null) or ended (null). Like Redis's RDB
     * child writing to sockets, it keeps BGSAVE and BGREWRITEAOF waiting meanwhile.
     */
    public void setReplicationChild(Runnable abort) {
        this.replicationChild = abort;
    }

    /** Redis's writeCommandsDeniedByDiskError with its message: the RDB's error first, then the AOF's; null if none. */
    public String writesDeniedError() {
        return writesDeniedByDiskError() ? MISCONF : aof.writesDeniedByDiskError();
    }

    /** Redis's writeCommandsDeniedByDiskError (the RDB half). */
    public boolean writesDeniedByDiskError() {
        return stopWritesOnBgsaveError.value() && !save.rules().isEmpty() && !lastBgsaveOk;
    }

    /* ---------------- SAVE ---------------- */

    /** What replication puts in an RDB (rdbSaveInfo): its id, offset and the db its stream selected. */
    public record ReplicationInfo(String replId, long offset, int streamDb) {}

    private java.util.function.Supplier<ReplicationInfo> replicationInfo = () -> null;
    private java.util.Map<String, String> startupAux = java.util.Map.of();

    /**
     * Replication's share of every RDB save (rdbPopulateSaveInfo): a restarted master or
     * replica reads it back and can continue with a partial resync. The supplier may return null.
     */
    public void setReplicationInfo(java.util.function.Supplier<ReplicationInfo> info) {
        this.replicationInfo = info;
    }

    /** The aux fields of the RDB loaded at startup (empty if none was). */
    public java.util.Map<String, String> startupAux() {
        return startupAux;
    }

    private RdbSaver.Aux aux(boolean aofBase) {
        return aux(aofBase, replicationInfo.get());
    }

    /** The aux fields; replId non-null adds repl-stream-db/repl-id/repl-offset (an RDB for a replica). */
    public RdbSaver.Aux aux(boolean aofBase, String replId, long replOffset) {
        return aux(aofBase, replId == null ? null : new ReplicationInfo(replId, replOffset, 0));
    }

    public RdbSaver.Aux aux(boolean aofBase, ReplicationInfo info) {
        Runtime rt = Runtime.getRuntime();
        return new RdbSaver.Aux(REDIS_VERSION, System.currentTimeMillis() / 1000, rt.totalMemory() - rt.freeMemory(), aofBase,
                info == null ? null : info.replId(), info == null ? 0 : info.offset(), info == null ? 0 : info.streamDb(),
                engine.scripting.libraryCodes());
    }

    /**
     * rdbSave: writes the whole keyspace to the RDB file on this thread (SAVE, SHUTDOWN,
     * DEBUG RELOAD). Returns false (and logs why) on failure.
     */
    public boolean saveNow() {
        aof.completeRewriteSnapshot();
        Path target = rdbPath();
        String tmpName = "temp-" + ProcessHandle.current().pid() + ".rdb";
        Path tmp = dir().resolve(tmpName);
        FileChannel opened;
        try {
            opened = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException | UncheckedIOException e) {
            log.warning("Failed opening the temp RDB file " + tmpName + " (in server root dir " + dir().toAbsolutePath()
                    + ") for saving: " + strerror(e));
            lastBgsaveOk = false;
            return false;
        }
        try (FileChannel ch = opened) {
            RdbWriter w = new RdbWriter(rdbcompression.value(), (buf, len) -> BackgroundSnapshot.writeFully(ch, buf, len), FLUSH_AT)
                    .listFill(listFill());
            KeyspaceSnapshot.start(engine, new RdbSaver(w, rdbchecksum.value(), aux(false)).accessHistory(engine)).finish();
            ch.force(true);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            log.warning("Write error saving DB on disk: " + strerror(e));
            deleteQuietly(tmp);
            lastBgsaveOk = false;
            return false;
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warning("Error moving temp DB file " + tmp + " on the final destination " + target + ": " + e.getMessage());
            deleteQuietly(tmp);
            return false;
        }
        log.notice("DB saved on disk");
        engine.dirty = 0;
        lastSave = nowSeconds();
        lastBgsaveOk = true;
        rdbSaves++;
        return true;
    }


    /** list-max-listpack-size: how saved lists split into quicklist nodes. */
    public int listFill() {
        return engine.config.listMaxListpackSize.intValue();
    }

    /** The C library's text for an I/O failure, as Redis logs it (strerror(errno)). */
    static String strerror(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        if (t instanceof NoSuchFileException) return "No such file or directory";
        if (t instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        if (t instanceof java.nio.file.NotDirectoryException) return "Not a directory";
        if (t instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return message(t);
    }

    static String message(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static void deleteQuietly(Path p) {
        BackgroundSnapshot.deleteQuietly(p);
    }

    /* ---------------- BGSAVE ---------------- */

    /** rdbSaveBackground. Returns null on success or the error to reply with. */
    public String bgsave() {
        return bgsave(null, null);
    }

    /**
     * BGSAVE for a disk-based replica sync: the file carries the replication id and offset,
     * and onDone hears (on the keyspace thread) whether it was written.
     */
    public String bgsave(ReplicationInfo forReplicas, java.util.function.Consumer<Boolean> onDone) {
        if (bgsaveInProgress()) return "ERR Background save already in progress";
        if (aof.rewriteInProgress()) {
            return "ERR Another child process is active (AOF?): can't BGSAVE right now. "
                    + "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
        }
        lastBgsaveTry = nowSeconds();
        dirtyBeforeBgsave = engine.dirty;
        try {
            bgsave = new BackgroundSnapshot(engine, mainThread, dir().resolve("temp-bgsave-" + ProcessHandle.current().pid() + ".rdb"),
                    rdbPath(), "magpie-bgsave",
                    out -> new RdbSaver(new RdbWriter(rdbcompression.value(), out, FLUSH_AT).listFill(listFill()), rdbchecksum.value(),
                            forReplicas == null ? aux(false) : aux(false, forReplicas)).accessHistory(engine),
                    this::bgsaveDone);
            bgsaveListener = onDone;
            bgsave.start();
        } catch (IOException | RuntimeException e) {
            // Redis's child fails to open its temp file after the fork: the command itself
            // answers "Background saving started" and the failure shows in the log and INFO.
            lastBgsaveOk = false;
            log.notice("Background saving started");
            log.warning("Failed opening the temp RDB file temp-" + ProcessHandle.current().pid() + ".rdb (in server root dir "
                    + dir().toAbsolutePath() + ") for saving: " + strerror(e));
            log.warning("Background saving error");
            if (onDone != null) mainThread.execute(() -> onDone.accept(false));
            return null;
        }
        log.notice("Background saving started");
        return null;
    }

    private void bgsaveDone(BackgroundSnapshot b, boolean ok) {
        if (bgsave != b) return;
        bgsave = null;
        var listener = bgsaveListener;
        bgsaveListener = null;
        if (listener != null) mainThread.execute(() -> listener.accept(ok));
        lastBgsaveTimeSec = (System.nanoTime() - b.startNanos) / 1_000_000_000L;
        if (ok) {
            log.notice("DB saved on disk");
            log.notice("Background saving terminated with success");
            engine.dirty -= dirtyBeforeBgsave;
            lastSave = nowSeconds();
            lastBgsaveOk = true;
            rdbSaves++;
        } else {
            log.warning("Write error saving DB on disk: " + strerror(b.ioError.get()));
            log.warning("Background saving error");
            lastBgsaveOk = false;
        }
    }

    /**
     * A Raft snapshot: the keyspace as it is now, written as an RDB through the fork-free
     * snapshot to target (fsynced, then renamed into place); onDone hears on the keyspace thread
     * whether it was written. Returns null, or why it could not start (another snapshot runs).
     */
    public String snapshotTo(Path target, java.util.function.Consumer<Boolean> onDone) {
        return snapshotTo(target, java.util.Map.of(), onDone);
    }

    /** {@link #snapshotTo(Path, java.util.function.Consumer)} with aux fields of the caller's after Redis's. */
    public String snapshotTo(Path target, java.util.Map<String, String> extraAux, java.util.function.Consumer<Boolean> onDone) {
        if (bgsaveInProgress() || aof.rewriteInProgress()) return "another snapshot is running";
        RdbSaver.Aux aux = aux(false).withExtra(extraAux);
        try {
            new BackgroundSnapshot(engine, mainThread, target.resolveSibling(target.getFileName() + ".tmp"), target, "magpie-raft-snapshot",
                    out -> new RdbSaver(new RdbWriter(rdbcompression.value(), out, FLUSH_AT).listFill(listFill()), rdbchecksum.value(), aux),
                    (b, ok) -> onDone.accept(ok)).start();
        } catch (IOException | RuntimeException e) {
            return String.valueOf(e.getMessage());
        }
        return null;
    }

    /** Stops a running BGSAVE and removes its temp file (SHUTDOWN, FLUSHALL as Redis's killRDBChild). */
    public void abortBgsave() {
        if (replicationChild != null) {
            Runnable abort = replicationChild;
            replicationChild = null;
            abort.run();
        }
        if (bgsave == null) return;
        log.warning("There is a child saving an .rdb. Killing it!");
        bgsave.abort();
        bgsave = null;
        var listener = bgsaveListener;
        bgsaveListener = null;
        if (listener != null) listener.accept(false);
    }

    /** For tests and DEBUG: blocks the caller (not the keyspace thread!) until no BGSAVE runs. */
    public void awaitBgsave(long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (!mainThread.submit(this::bgsaveInProgress).get()) return;
            Thread.sleep(5);
        }
        throw new IllegalStateException("BGSAVE did not finish in " + timeoutMs + " ms");
    }

    /* ---------------- cron: save rules ---------------- */

    /** serverCron's save-rule check: BGSAVE when a rule's seconds and changes are both reached. */
    public void cron() {
        aof.cron();
        if (bgsaveInProgress() || aof.rewriteInProgress()) return;
        long now = nowSeconds();
        for (SaveParam.Rule r : save.rules()) {
            if (engine.dirty >= r.changes() && now - lastSave > r.seconds()
                    && (now - lastBgsaveTry > BGSAVE_RETRY_DELAY_SECONDS || lastBgsaveOk)) {
                log.notice(r.changes() + " changes in " + r.seconds() + " seconds. Saving...");
                bgsave();
                return;
            }
        }
    }

    /* ---------------- loading ---------------- */

    /**
     * Loads the AOF (when appendonly is on) or else the RDB file at startup
     * (loadDataFromDisk). A missing file is an empty dataset; anything unreadable throws,
     * naming the file and offset, so the server does not start with half a dataset.
     *
     * <p>Called from a thread other than the keyspace thread (the server's start, which is
     * already listening), the file is read here and its keys are applied on the keyspace
     * thread in batches, so that clients get LOADING replies and INFO meanwhile; called on
     * the keyspace thread, it loads inline. Returns when everything is loaded either way.
     */
    public void loadAtStartup() {
        KeyspaceFeed feed = Thread.currentThread() == keyspaceThread ? inlineFeed()
                : KeyspaceFeed.via(engine, mainThread, keyLoadDelay.value(), new KeyspaceFeed.Progress() {
                    @Override public void loaded(long bytes, long keys) {
                        loadingLoadedBytes = bytes;
                        lastLoadKeysLoaded = keys;
                    }

                    @Override public void rdbUsedMem(long bytes) {
                        loadingRdbUsedMem = bytes;
                    }
                }).onAux(this::logAux);
        startupLoadFailed = true;
        if (aof.configuredOn()) aof.loadAndOpenAtStartup(feed);
        else loadRdbAtStartup(feed);
        startupLoadFailed = false;
        datasetLoaded = true;
        aof.serverStarted();
    }

    /**
     * FLUSHALL's part of flushAllDataAndResetRDB: a running BGSAVE is stopped (it would
     * write the old data), and with save points the empty dataset is saved at once, so
     * that a crash after FLUSHALL cannot bring the flushed keys back.
     */
    private void flushedAll() {
        abortBgsave();
        if (!save.rules().isEmpty() && !engine.loading() && datasetLoaded) saveNow();
    }

    KeyspaceFeed inlineFeed() {
        return KeyspaceFeed.inline(engine, keyLoadDelay.value()).onAux(this::logAux);
    }

    /** rdbLoadRioWithLoadingCtx's lines for the aux fields it reads, logged as each is read. */
    private void logAux(String key, String value) {
        try {
            switch (key) {
                case "redis-ver" -> log.notice("Loading RDB produced by version " + value);
                case "ctime" -> log.notice("RDB age " + Math.max(0, nowSeconds() - Long.parseLong(value)) + " seconds");
                case "used-mem" -> log.notice(String.format(Locale.ROOT, "RDB memory usage when created %.2f Mb",
                        Long.parseLong(value) / 1024.0 / 1024));
                case "aof-base" -> {
                    if (Long.parseLong(value) != 0) log.notice("RDB is base AOF");
                }
                default -> { /* other aux fields are not logged */ }
            }
        } catch (NumberFormatException e) {
            // a malformed number is only not logged, as Redis's strtol would read it
        }
    }

    /** startLoading: INFO's loading fields from now on; the keyspace refuses commands without the loading flag. */
    void beginLoading(KeyspaceFeed feed, long totalBytes) throws IOException {
        loadingStartTime = nowSeconds();
        loadingTotalBytes = totalBytes;
        loadingLoadedBytes = 0;
        loadingRdbUsedMem = 0;
        feed.run(() -> engine.setLoading(true));
    }

    /** stopLoading, once the batches handed to the keyspace thread are done (a failure was reported by then). */
    void endLoading(KeyspaceFeed feed) {
        feed.finish(() -> engine.setLoading(false));
    }

    /** A missing RDB file is an empty dataset. */
    private void loadRdbAtStartup(KeyspaceFeed feed) {
        Path p = rdbPath();
        if (!Files.exists(p)) return;
        long start = System.nanoTime();
        RdbLoader.Result res;
        try {
            res = loadRdb(p, feed);
        } catch (NoSuchFileException e) {
            return;
        }
        startupAux = res.aux;
        lastSave = nowSeconds();
        if (res.emptyKeysSkipped > 0) {
            log.notice("Done loading RDB, keys loaded: " + res.keysLoaded + ", keys expired: " + res.keysExpired
                    + ", empty keys skipped: " + res.emptyKeysSkipped + ".");
        } else {
            log.notice("Done loading RDB, keys loaded: " + res.keysLoaded + ", keys expired: " + res.keysExpired + ".");
        }
        log.notice(String.format(Locale.ROOT, "DB loaded from disk: %.3f seconds", (System.nanoTime() - start) / 1e9));
    }

    /**
     * Loads file into the (empty) keyspace, on the calling thread (the keyspace thread: a
     * replica's full sync, DEBUG RELOAD); throws IllegalStateException naming file and
     * offset on bad data.
     */
    public RdbLoader.Result loadRdb(Path file) throws NoSuchFileException {
        return loadRdb(file, inlineFeed());
    }

    private RdbLoader.Result loadRdb(Path file, KeyspaceFeed feed) throws NoSuchFileException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            // The file replaces the FUNCTION libraries as it replaces the keys (full sync, DEBUG RELOAD).
            engine.scripting.flushFunctions();
            beginLoading(feed, Files.size(file));
            RdbReader r = new RdbReader(in);
            try {
                RdbLoader.Result res = new RdbLoader(engine, !engine.isReplica(), rdbchecksum.value()).target(feed).load(r);
                feed.sync();
                lastLoadKeysLoaded = res.keysLoaded;
                lastLoadKeysExpired = res.keysExpired;
                return res;
            } catch (IOException e) {
                throw feed.abandon(e instanceof EOFException ? new RdbException("Short read loading DB: unexpected end of file", r.offset()) : e);
            } finally {
                endLoading(feed);
            }
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            String msg = "Fatal error loading the DB " + file.toAbsolutePath() + ": " + e.getMessage() + ". Exiting.";
            log.warning(msg);
            throw new LoadFailure(msg, e);
        }
    }

    /**
     * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save (unless NOSAVE), empty the keyspace (unless
     * NOFLUSH), load the RDB back; with MERGE a key of the file replaces one already there
     * (Redis's RDBFLAGS_ALLOW_DUP), without it such a key is an error. False if the save failed.
     */
    public boolean debugReload(boolean save, boolean flush, boolean merge) {
        if (save && !saveNow()) return false;
        if (flush) for (int i = 0; i < engine.dbCount(); i++) engine.db(i).empty();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(rdbPath()), 1 << 16)) {
            RdbLoader.KeyTarget add = (db, key, value, expireMs, lruIdle, lfuFreq, offset) -> {
                if (merge) db.delete(key);
                RdbLoader.addKey(engine, db, key, value, expireMs, lruIdle, lfuFreq, offset);
            };
            new RdbLoader(engine, !engine.isReplica(), rdbchecksum.value()).target(add).load(new RdbReader(in));
        } catch (IOException e) {
            log.warning("Error loading the RDB for DEBUG RELOAD: " + e.getMessage());
            throw new IllegalStateException("Error trying to load the RDB dump, check server logs.", e);
        }
        log.warning("DB reloaded by DEBUG RELOAD");
        return true;
    }

    /** DEBUG LOADAOF: write out what is buffered, empty the keyspace and load the AOF back. */
    public void debugLoadAof() {
        for (int i = 0; i < engine.dbCount(); i++) engine.db(i).empty();
        aof.debugLoad(inlineFeed());
        log.warning("Append Only File loaded by DEBUG LOADAOF");
    }

    /* ---------------- shutdown ---------------- */

    /**
     * prepareForShutdown's RDB part. save: true for SHUTDOWN SAVE, false for NOSAVE, null for
     * the default (save if any save rule is configured). Returns false if the final save
     * failed: the server must then refuse to exit (SHUTDOWN replies with an error).
     */
    public boolean prepareForShutdown(Boolean save) {
        abortBgsave();
        // A start that failed before the dataset was loaded (port taken, bad AOF...) writes
        // nothing: saving now would replace the files with an empty dataset (Redis just exits).
        if (!datasetLoaded) return true;
        aof.prepareForShutdown();
        boolean doSave = save != null ? save : !this.save.rules().isEmpty();
        // A shutdown while loading, or after a load that failed, never saves: it would replace
        // the file with part of it (Redis exits without saving in both cases).
        if (!doSave || engine.loading() || startupLoadFailed) return true;
        log.notice("Saving the final RDB snapshot before exiting.");
        if (!saveNow()) return false; // the server logs Redis's "can't exit" or "Exit anyway" 
        return true;
    }

    /** The append only file (BGREWRITEAOF, appendfsync, the aof_* INFO fields). */
    public Aof aof() {
        return aof;
    }

    /* ---------------- INFO ---------------- */

    /** INFO's "# Persistence" section, header included, lines ending in CRLF. */
    public String infoSection() {
        return "# Persistence\r\n" + infoFields();
    }

    /** The section's "name:value" lines, each ending in CRLF (for INFO writers adding their own header). */
    public String infoFields() {
        long now = nowSeconds();
        StringBuilder sb = new StringBuilder();
        field(sb, "loading", engine.loading() ? 1 : 0);
        field(sb, "async_loading", 0);
        field(sb, "current_cow_peak", 0);
        field(sb, "current_cow_size", bgsave == null ? 0 : ((RdbSaver) bgsave.sink).pendingBytes());
        field(sb, "current_cow_size_age", 0);
        field(sb, "current_fork_perc", "0.00");
        field(sb, "current_save_keys_processed", bgsave == null ? 0 : bgsave.snapshot.keysWritten());
        field(sb, "current_save_keys_total", bgsave == null ? 0 : bgsave.snapshot.totalKeys());
        field(sb, "rdb_changes_since_last_save", engine.dirty);
        field(sb, "rdb_bgsave_in_progress", bgsaveInProgress() ? 1 : 0);
        field(sb, "rdb_last_save_time", lastSave);
        field(sb, "rdb_last_bgsave_status", lastBgsaveOk ? "ok" : "err");
        field(sb, "rdb_last_bgsave_time_sec", lastBgsaveTimeSec);
        field(sb, "rdb_current_bgsave_time_sec", bgsave == null ? -1 : now - bgsave.startSeconds);
        field(sb, "rdb_saves", rdbSaves);
        field(sb, "rdb_last_cow_size", 0);
        field(sb, "rdb_last_load_keys_expired", lastLoadKeysExpired);
        field(sb, "rdb_last_load_keys_loaded", lastLoadKeysLoaded);
        aof.infoFields(sb);
        field(sb, "module_fork_in_progress", 0);
        field(sb, "module_fork_last_cow_size", 0);
        aof.infoEnabledFields(sb);
        if (engine.loading()) loadingFields(sb);
        return sb.toString();
    }

    /** The loading progress lines (INFO persistence while loading), with Redis's estimates. */
    private void loadingFields(StringBuilder sb) {
        long total = loadingTotalBytes, loaded = loadingLoadedBytes, usedMem = loadingRdbUsedMem;
        double perc = 0;
        long remaining = 1;
        if (total > 0) {
            perc = (double) loaded / total * 100;
            remaining = total - loaded;
        } else if (usedMem > 0) {
            // used-mem only estimates the size of a stream without a length: stay under 100%
            perc = Math.min(99.99, (double) loaded / usedMem * 100);
            remaining = Math.max(1, usedMem - loaded);
        }
        long elapsed = nowSeconds() - loadingStartTime;
        long eta = elapsed == 0 ? 1 : elapsed * remaining / (loaded + 1);
        field(sb, "loading_start_time", loadingStartTime);
        field(sb, "loading_total_bytes", total);
        field(sb, "loading_rdb_used_mem", usedMem);
        field(sb, "loading_loaded_bytes", loaded);
        field(sb, "loading_loaded_perc", String.format(Locale.ROOT, "%.2f", perc));
        field(sb, "loading_eta_seconds", eta);
    }

    static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }
}
