package io.magpie.persistence;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.EnumParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.persistence.aof.Aof;
import io.magpie.persistence.aof.AofManifest;
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
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Executors;
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
    public final BoolParam appendonly, aofLoadTruncated, aofUseRdbPreamble, aofTimestampEnabled;
    public final StringParam appendfilename, appenddirname;
    public final EnumParam<Aof.Fsync> appendfsync;
    public final LongParam autoAofRewritePercentage, autoAofRewriteMinSize;

    private long lastSave = System.currentTimeMillis() / 1000;
    private long lastBgsaveTry;
    private boolean lastBgsaveOk = true;
    private long lastBgsaveTimeSec = -1;
    private long rdbSaves;
    private long dirtyBeforeBgsave;
    private long lastLoadKeysLoaded, lastLoadKeysExpired;
    private SnapshotFile bgsave;
    /* AOF state (aof.c's server.aof_*). */
    private Aof aof;
    private AofManifest manifest;
    private SnapshotFile aofRewrite;
    private boolean aofRewriteScheduled;
    private boolean lastAofRewriteOk = true;
    private long aofRewrites, lastAofRewriteTimeSec = -1, aofRewriteBaseSize;
    private final ScheduledExecutorService fsyncThread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "magpie-aof-fsync");
        t.setDaemon(true);
        return t;
    });

    public Persistence(Engine engine, Config registry, ScheduledExecutorService mainThread, Logger log) {
        this.engine = engine;
        this.registry = registry;
        this.mainThread = mainThread;
        this.log = log;
        save = registry.register(new SaveParam());
        dbfilename = registry.register(new StringParam("dbfilename", "dump.rdb"));
        rdbcompression = registry.register(new BoolParam("rdbcompression", true));
        rdbchecksum = registry.register(new BoolParam("rdbchecksum", true));
        stopWritesOnBgsaveError = registry.register(new BoolParam("stop-writes-on-bgsave-error", true));
        appendonly = registry.register(new BoolParam("appendonly", false));
        appendfilename = registry.register(new StringParam("appendfilename", "appendonly.aof"));
        appendfilename.immutable();
        appenddirname = registry.register(new StringParam("appenddirname", "appendonlydir"));
        appenddirname.immutable();
        appendfsync = registry.register(new EnumParam<>("appendfsync", Aof.Fsync.EVERYSEC, Aof.Fsync.values(),
                f -> f.name().toLowerCase(Locale.ROOT)));
        appendfsync.onChange(() -> {
            if (aof != null) aof.fsyncPolicy(appendfsync.value());
        });
        aofLoadTruncated = registry.register(new BoolParam("aof-load-truncated", true));
        aofUseRdbPreamble = registry.register(new BoolParam("aof-use-rdb-preamble", true));
        aofTimestampEnabled = registry.register(new BoolParam("aof-timestamp-enabled", false));
        autoAofRewritePercentage = registry.register(new LongParam("auto-aof-rewrite-percentage", 100, 0, Integer.MAX_VALUE, false));
        autoAofRewriteMinSize = registry.register(new LongParam("auto-aof-rewrite-min-size", 64L << 20, 0, Long.MAX_VALUE, true));
        PersistenceCommands.register(engine, this);
        engine.addGuard((c, cmd) -> {
            if (!writesDeniedByDiskError() || c.master) return null;
            return cmd.write || cmd.name.equals("ping") ? MISCONF : null;
        });
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
        return bgsave != null;
    }

    /** Redis's writeCommandsDeniedByDiskError (the RDB half). */
    public boolean writesDeniedByDiskError() {
        return stopWritesOnBgsaveError.value() && !save.rules().isEmpty() && !lastBgsaveOk;
    }

    /* ---------------- SAVE ---------------- */

    private RdbSaver.Aux aux(boolean aofBase) {
        Runtime rt = Runtime.getRuntime();
        return new RdbSaver.Aux(REDIS_VERSION, System.currentTimeMillis() / 1000, rt.totalMemory() - rt.freeMemory(), aofBase,
                null, 0, 0);
    }

    /**
     * rdbSave: writes the whole keyspace to the RDB file on this thread (SAVE, SHUTDOWN,
     * DEBUG RELOAD). Returns false (and logs why) on failure.
     */
    public boolean saveNow() {
        Path target = rdbPath();
        Path tmp = dir().resolve("temp-" + ProcessHandle.current().pid() + ".rdb");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            RdbWriter w = new RdbWriter(rdbcompression.value(), (buf, len) -> SnapshotFile.writeFully(ch, buf, len), FLUSH_AT);
            KeyspaceSnapshot.start(engine, new RdbSaver(w, rdbchecksum.value(), aux(false))).finish();
            ch.force(true);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            log.warning("Failed saving the DB: " + message(e));
            deleteQuietly(tmp);
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


    private static String message(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static void deleteQuietly(Path p) {
        SnapshotFile.deleteQuietly(p);
    }

    /* ---------------- BGSAVE ---------------- */

    /** rdbSaveBackground. Returns null on success or the error to reply with. */
    public String bgsave() {
        if (bgsave != null) return "ERR Background save already in progress";
        if (aofRewrite != null) {
            return "ERR Another child process is active (AOF?): can't BGSAVE right now. "
                    + "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
        }
        lastBgsaveTry = nowSeconds();
        dirtyBeforeBgsave = engine.dirty;
        try {
            bgsave = new SnapshotFile(engine, mainThread, dir().resolve("temp-bgsave-" + ProcessHandle.current().pid() + ".rdb"),
                    rdbPath(), rdbcompression.value(), rdbchecksum.value(), aux(false), this::bgsaveDone);
        } catch (IOException | RuntimeException e) {
            lastBgsaveOk = false;
            log.warning("Can't save in background: " + message(e));
            return "ERR " + message(e);
        }
        log.notice("Background saving started");
        return null;
    }

    private void bgsaveDone(SnapshotFile b, boolean ok) {
        if (bgsave != b) return;
        bgsave = null;
        lastBgsaveTimeSec = (System.nanoTime() - b.startNanos) / 1_000_000_000L;
        if (ok) {
            log.notice("DB saved on disk");
            log.notice("Background saving terminated with success");
            engine.dirty -= dirtyBeforeBgsave;
            lastSave = nowSeconds();
            lastBgsaveOk = true;
            rdbSaves++;
        } else {
            log.warning("Write error saving DB on disk: " + message(b.ioError.get()));
            log.warning("Background saving error");
            lastBgsaveOk = false;
        }
    }

    /** Stops a running BGSAVE and removes its temp file (SHUTDOWN, FLUSHALL as Redis's killRDBChild). */
    public void abortBgsave() {
        if (bgsave == null) return;
        log.warning("There is a child saving an .rdb. Killing it!");
        bgsave.abort();
        bgsave = null;
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
        aofCron();
        if (bgsave != null || aofRewrite != null) return;
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
     * Loads the RDB file at startup (loadDataFromDisk). A missing file is an empty dataset;
     * anything unreadable throws, naming the file and offset, so the server does not start
     * with half a dataset.
     */
    public void loadAtStartup() {
        if (appendonly.value()) {
            loadAof();
            return;
        }
        Path p = rdbPath();
        if (!Files.exists(p)) return;
        long start = System.nanoTime();
        RdbLoader.Result res;
        try {
            res = loadRdb(p);
        } catch (NoSuchFileException e) {
            return;
        }
        lastSave = nowSeconds();
        String ver = res.aux.getOrDefault("redis-ver", "unknown");
        log.notice("Loading RDB produced by version " + ver);
        if (res.aux.containsKey("ctime")) {
            log.notice("RDB age " + Math.max(0, nowSeconds() - Long.parseLong(res.aux.get("ctime"))) + " seconds");
        }
        if (res.aux.containsKey("used-mem")) {
            log.notice(String.format(Locale.ROOT, "RDB memory usage when created %.2f Mb", Long.parseLong(res.aux.get("used-mem")) / 1024.0 / 1024));
        }
        if (res.aux.containsKey("functions-skipped")) {
            log.warning("Skipped " + res.aux.get("functions-skipped") + " function libraries: functions are not supported");
        }
        log.notice("Done loading RDB, keys loaded: " + res.keysLoaded + ", keys expired: " + res.keysExpired + ".");
        log.notice(String.format(Locale.ROOT, "DB loaded from disk: %.3f seconds", (System.nanoTime() - start) / 1e9));
    }

    /** Loads file into the (empty) keyspace; throws IllegalStateException naming file and offset on bad data. */
    public RdbLoader.Result loadRdb(Path file) throws NoSuchFileException {
        engine.setLoading(true);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            RdbReader r = new RdbReader(in);
            RdbLoader.Result res;
            try {
                res = new RdbLoader(engine, !engine.isReplica(), rdbchecksum.value()).load(r);
            } catch (EOFException e) {
                throw new RdbException("Short read loading DB: unexpected end of file", r.offset());
            }
            lastLoadKeysLoaded = res.keysLoaded;
            lastLoadKeysExpired = res.keysExpired;
            return res;
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            String msg = "Fatal error loading the DB " + file.toAbsolutePath() + ": " + e.getMessage() + ". Exiting.";
            log.warning(msg);
            throw new IllegalStateException(msg, e);
        } finally {
            engine.setLoading(false);
        }
    }

    /** DEBUG RELOAD [NOSAVE]: save (unless told not to), empty the keyspace, load the file back. False if the save failed. */
    public boolean debugReload(boolean save) {
        if (save && !saveNow()) return false;
        for (int i = 0; i < engine.dbCount(); i++) engine.db(i).empty();
        try {
            loadRdb(rdbPath());
        } catch (NoSuchFileException e) {
            throw new IllegalStateException(e);
        }
        return true;
    }

    /* ---------------- shutdown ---------------- */

    /**
     * prepareForShutdown's RDB part. save: true for SHUTDOWN SAVE, false for NOSAVE, null for
     * the default (save if any save rule is configured). Returns false if the final save
     * failed: the server must then refuse to exit (SHUTDOWN replies with an error).
     */
    public boolean prepareForShutdown(Boolean save) {
        abortBgsave();
        if (aofRewrite != null) {
            log.warning("There is a child rewriting the AOF. Killing it!");
            aofRewrite.abort();
            aofRewrite = null;
        }
        if (aof != null) {
            log.notice("Calling fsync() on the AOF file.");
            aof.close();
        }
        boolean doSave = save != null ? save : !this.save.rules().isEmpty();
        if (!doSave) return true;
        log.notice("Saving the final RDB snapshot before exiting.");
        if (!saveNow()) {
            log.warning("Error trying to save the DB, can't exit.");
            return false;
        }
        return true;
    }

    /* ---------------- AOF ---------------- */

    private Path aofDir() {
        return dir().resolve(appenddirname.value());
    }

    private Path manifestPath() {
        return aofDir().resolve(appendfilename.value() + ".manifest");
    }

    private String baseName(long seq) {
        return appendfilename.value() + "." + seq + ".base.rdb";
    }

    private String incrName(long seq) {
        return appendfilename.value() + "." + seq + ".incr.aof";
    }

    /**
     * loadAppendOnlyFiles: base (RDB preamble, or plain commands) then every incr file in
     * manifest order; only the last may have a truncated tail. Without a manifest the server
     * starts empty (as Redis 7.0: dump.rdb is not read when appendonly is on) and creates a
     * base file and an incr file.
     */
    private void loadAof() {
        long start = System.nanoTime();
        Path dir = aofDir();
        try {
            Files.createDirectories(dir);
            if (Files.exists(manifestPath())) {
                manifest = AofManifest.parse(manifestPath());
                engine.setLoading(true);
                try {
                    if (manifest.base != null) loadAofFile(dir.resolve(manifest.base.name()), false);
                    for (int i = 0; i < manifest.incr.size(); i++) {
                        loadAofFile(dir.resolve(manifest.incr.get(i).name()), i == manifest.incr.size() - 1);
                    }
                } finally {
                    engine.setLoading(false);
                }
                log.notice(String.format(Locale.ROOT, "DB loaded from append only file: %.3f seconds", (System.nanoTime() - start) / 1e9));
                if (manifest.base != null) aofRewriteBaseSize = Files.size(dir.resolve(manifest.base.name()));
            } else {
                manifest = new AofManifest();
                long seq = 1;
                manifest.base = new AofManifest.Entry(baseName(seq), seq, AofManifest.Type.BASE);
                log.notice("Creating AOF base file " + manifest.base.name() + " on server start");
                writeBaseNow(dir.resolve(manifest.base.name()));
            }
            aof = new Aof(engine, mainThread, appendfsync.value());
            if (manifest.incr.isEmpty()) {
                long seq = 1;
                manifest.incr.add(new AofManifest.Entry(incrName(seq), seq, AofManifest.Type.INCR));
                log.notice("Creating AOF incr file " + incrName(seq) + " on server start");
                manifest.write(manifestPath());
            }
            aof.openIncr(dir.resolve(manifest.incr.get(manifest.incr.size() - 1).name()));
            engine.writes.addListener(aof);
            aof.scheduleEverysec(fsyncThread);
        } catch (IOException e) {
            String msg = "Fatal error loading the append only files in " + dir.toAbsolutePath() + ": " + e.getMessage() + ". Exiting.";
            log.warning(msg);
            throw new IllegalStateException(msg, e);
        }
    }

    private void loadAofFile(Path file, boolean last) throws IOException {
        long offset = 0;
        byte[] magic = new byte[5];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(magic, 0, 5);
            if (n == 5 && new String(magic, StandardCharsets.US_ASCII).equals("REDIS")) {
                log.notice("Reading RDB base file on AOF loading...");
            } else {
                magic = null;
            }
        }
        if (magic != null) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                RdbReader r = new RdbReader(in);
                try {
                    RdbLoader.Result res = new RdbLoader(engine, false, rdbchecksum.value()).load(r);
                    offset = res.bytes;
                } catch (EOFException e) {
                    throw new RdbException("Short read loading the RDB preamble of " + file, r.offset());
                }
            }
            log.notice("Loading RDB produced by version " + REDIS_VERSION);
        }
        Aof.LoadResult res = Aof.replay(engine, file, offset, last && aofLoadTruncated.value());
        if (res.truncated()) {
            log.warning("!!! Warning: short read while loading the AOF file " + file.getFileName() + "!!!");
            log.warning("AOF " + file.getFileName() + " loaded anyway because aof-load-truncated is enabled");
        }
        log.notice("DB loaded from " + (magic != null ? "base" : "incr") + " file " + file.getFileName());
    }

    /** A base file of the current keyspace, written here and now (server start). */
    private void writeBaseNow(Path target) throws IOException {
        Path tmp = target.resolveSibling("temp-" + target.getFileName());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            RdbWriter w = new RdbWriter(rdbcompression.value(), (buf, len) -> SnapshotFile.writeFully(ch, buf, len), 256 << 10);
            KeyspaceSnapshot.start(engine, new RdbSaver(w, rdbchecksum.value(), aux(true))).finish();
            ch.force(true);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        aofRewriteBaseSize = Files.size(target);
    }

    /** BGREWRITEAOF: null when started, else the reply (scheduled, or an error). */
    public String bgrewriteaof() {
        if (aofRewrite != null) return "ERR Background append only file rewriting already in progress";
        if (bgsave != null) {
            aofRewriteScheduled = true;
            return "+Background append only file rewriting scheduled";
        }
        try {
            startAofRewrite();
        } catch (IOException | RuntimeException e) {
            lastAofRewriteOk = false;
            log.warning("Can't rewrite append only file in background: " + message(e));
            return "ERR Can't rewrite append only file in background: " + message(e);
        }
        return null;
    }

    /**
     * rewriteAppendOnlyFileBackground: appends switch to a new incr file at this instant,
     * which is also the snapshot's point in time, so new base + new incr = the dataset.
     * The manifest lists the new incr right away, so a crash mid-rewrite loses nothing.
     */
    private void startAofRewrite() throws IOException {
        aofRewriteScheduled = false;
        Path dir = aofDir();
        Files.createDirectories(dir);
        if (manifest == null) manifest = Files.exists(manifestPath()) ? AofManifest.parse(manifestPath()) : new AofManifest();
        AofManifest.Entry newIncr = null;
        if (aof != null) {
            long seq = manifest.currentIncrSeq() + 1;
            newIncr = new AofManifest.Entry(incrName(seq), seq, AofManifest.Type.INCR);
            aof.openIncr(dir.resolve(newIncr.name()));
            manifest.incr.add(newIncr);
            manifest.write(manifestPath());
            log.notice("Creating AOF incr file " + newIncr.name() + " on background rewrite");
        }
        long baseSeq = manifest.currentBaseSeq() + 1;
        AofManifest.Entry newBase = new AofManifest.Entry(baseName(baseSeq), baseSeq, AofManifest.Type.BASE);
        final AofManifest.Entry keepIncr = newIncr;
        aofRewrite = new SnapshotFile(engine, mainThread, dir.resolve("temp-rewriteaof-bg-" + ProcessHandle.current().pid() + ".aof"),
                dir.resolve(newBase.name()), rdbcompression.value(), rdbchecksum.value(), aux(true),
                (f, ok) -> aofRewriteDone(f, ok, newBase, keepIncr));
        log.notice("Background append only file rewriting started");
    }

    private void aofRewriteDone(SnapshotFile f, boolean ok, AofManifest.Entry newBase, AofManifest.Entry keepIncr) {
        if (aofRewrite != f) return;
        aofRewrite = null;
        lastAofRewriteTimeSec = (System.nanoTime() - f.startNanos) / 1_000_000_000L;
        if (!ok) {
            lastAofRewriteOk = false;
            log.warning("Background AOF rewrite failed: " + message(f.ioError.get()));
            return;
        }
        Path dir = aofDir();
        try {
            // Everything before the incr opened at the start is now covered by the new base.
            if (manifest.base != null) manifest.history.add(new AofManifest.Entry(manifest.base.name(), manifest.base.seq(), AofManifest.Type.HISTORY));
            java.util.List<AofManifest.Entry> kept = new java.util.ArrayList<>();
            boolean after = keepIncr == null;
            for (AofManifest.Entry e : manifest.incr) {
                if (e.equals(keepIncr)) after = true;
                if (after) kept.add(e);
                else manifest.history.add(new AofManifest.Entry(e.name(), e.seq(), AofManifest.Type.HISTORY));
            }
            manifest.incr.clear();
            manifest.incr.addAll(kept);
            manifest.base = newBase;
            manifest.write(manifestPath());
            log.notice("Successfully renamed the temporary AOF base file into " + newBase.name());
            for (AofManifest.Entry h : manifest.history) {
                log.notice("Removing the history file " + h.name() + " in the background");
                SnapshotFile.deleteQuietly(dir.resolve(h.name()));
            }
            manifest.history.clear();
            manifest.write(manifestPath());
            aofRewriteBaseSize = Files.size(dir.resolve(newBase.name()));
            aofRewrites++;
            lastAofRewriteOk = true;
            log.notice("Background AOF rewrite terminated with success");
            log.notice("Background AOF rewrite finished successfully");
        } catch (IOException e) {
            lastAofRewriteOk = false;
            log.warning("Error trying to rename the temporary AOF base file: " + e.getMessage());
        }
    }

    public boolean aofRewriteInProgress() {
        return aofRewrite != null;
    }

    /** Scheduled rewrites and auto-aof-rewrite-percentage (serverCron's share). */
    private void aofCron() {
        if (aofRewrite != null || bgsave != null) return;
        if (aofRewriteScheduled) {
            bgrewriteaof();
            return;
        }
        if (aof == null || autoAofRewritePercentage.value() == 0) return;
        long size = aof.incrSize() + aofRewriteBaseSize;
        long base = Math.max(1, aofRewriteBaseSize);
        if (size >= autoAofRewriteMinSize.value() && (size - base) * 100 / base >= autoAofRewritePercentage.value()) {
            log.notice("Starting automatic rewriting of AOF on " + ((size - base) * 100 / base) + "% growth");
            bgrewriteaof();
        }
    }

    /** For tests: blocks the caller (not the keyspace thread!) until no AOF rewrite runs. */
    public void awaitAofRewrite(long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (!mainThread.submit(() -> aofRewrite != null || aofRewriteScheduled).get()) return;
            Thread.sleep(5);
        }
        throw new IllegalStateException("BGREWRITEAOF did not finish in " + timeoutMs + " ms");
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
        field(sb, "current_cow_size", bgsave == null ? 0 : bgsave.saver.pendingBytes());
        field(sb, "current_cow_size_age", 0);
        field(sb, "current_fork_perc", "0.00");
        field(sb, "current_save_keys_processed", bgsave == null ? 0 : bgsave.snapshot.keysWritten());
        field(sb, "current_save_keys_total", bgsave == null ? 0 : bgsave.snapshot.totalKeys());
        field(sb, "rdb_changes_since_last_save", engine.dirty);
        field(sb, "rdb_bgsave_in_progress", bgsave == null ? 0 : 1);
        field(sb, "rdb_last_save_time", lastSave);
        field(sb, "rdb_last_bgsave_status", lastBgsaveOk ? "ok" : "err");
        field(sb, "rdb_last_bgsave_time_sec", lastBgsaveTimeSec);
        field(sb, "rdb_current_bgsave_time_sec", bgsave == null ? -1 : now - bgsave.startSeconds);
        field(sb, "rdb_saves", rdbSaves);
        field(sb, "rdb_last_cow_size", 0);
        field(sb, "rdb_last_load_keys_expired", lastLoadKeysExpired);
        field(sb, "rdb_last_load_keys_loaded", lastLoadKeysLoaded);
        field(sb, "aof_enabled", aof != null ? 1 : 0);
        field(sb, "aof_rewrite_in_progress", aofRewrite != null ? 1 : 0);
        field(sb, "aof_rewrite_scheduled", aofRewriteScheduled ? 1 : 0);
        field(sb, "aof_last_rewrite_time_sec", lastAofRewriteTimeSec);
        field(sb, "aof_current_rewrite_time_sec", aofRewrite == null ? -1 : now - aofRewrite.startSeconds);
        field(sb, "aof_last_bgrewrite_status", lastAofRewriteOk ? "ok" : "err");
        field(sb, "aof_rewrites", aofRewrites);
        field(sb, "aof_rewrites_consecutive_failures", lastAofRewriteOk ? 0 : 1);
        field(sb, "aof_last_write_status", aof == null || aof.lastWriteOk() ? "ok" : "err");
        field(sb, "aof_last_cow_size", 0);
        if (aof != null) {
            field(sb, "aof_current_size", aof.incrSize() + aofRewriteBaseSize);
            field(sb, "aof_base_size", aofRewriteBaseSize);
            field(sb, "aof_pending_rewrite", aofRewriteScheduled ? 1 : 0);
            field(sb, "aof_buffer_length", 0);
            field(sb, "aof_pending_bio_fsync", 0);
            field(sb, "aof_delayed_fsync", 0);
        }
        field(sb, "module_fork_in_progress", 0);
        field(sb, "module_fork_last_cow_size", 0);
        return sb.toString();
    }

    private static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }
}
