package io.magpie.persistence;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.ReplyException;
import io.magpie.engine.StreamEncoder;
import io.magpie.engine.WriteStream;
import io.magpie.engine.WriteUnit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.EnumParam;
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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The append only file (aof.c), Redis 7's multi-part layout: in dir/appenddirname a base
 * file (an RDB preamble, or commands), incremental files of propagated writes, and the
 * manifest that lists them. All methods run on the keyspace thread unless said otherwise.
 *
 * <p>Writes come from the engine's {@link WriteStream} into an in-memory buffer (Redis's
 * aof_buf). The buffer reaches the file before any reply leaves (the server calls
 * {@link #flushBeforeReply}); with appendfsync always it is also fsynced then, once for
 * all the clients whose replies wait in that event-loop iteration, so an acknowledged write
 * is on disk. everysec fsyncs on a background thread once a second; no leaves it to the OS.
 *
 * <p>BGREWRITEAOF without fork: a new incr file is opened and a {@link KeyspaceSnapshot}
 * started in the same instant, so the snapshot plus the new incr file describe the
 * dataset exactly; when the snapshot is on disk as the new base, the manifest is swapped
 * atomically and the old files become history and are deleted.
 */
public final class Aof implements WriteStream.UnitListener {
    enum Fsync {
        ALWAYS, EVERYSEC, NO;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final String MANIFEST_SUFFIX = ".manifest";
    private static final String TEMP_PREFIX = "temp-";
    private static final int FLUSH_AT = 256 << 10;

    private final Engine engine;
    private final Config registry;
    private final ScheduledExecutorService mainThread;
    private final Persistence.Logger log;
    private final Persistence persistence;

    public final BoolParam appendonly, loadTruncated, useRdbPreamble, timestampEnabled, noFsyncOnRewrite;
    public final StringParam appendfilename, appenddirname;
    public final EnumParam<Fsync> appendfsync;
    public final LongParam autoRewritePercentage, autoRewriteMinSize;

    private boolean on;
    private AofManifest manifest;
    private FileChannel incr;
    /** The stream as RESP; it selects afresh at the start of each incr file. */
    private final StreamEncoder encoder = new StreamEncoder();
    private final ByteBuf encoded = Unpooled.buffer(1024);
    private long lastTimestamp = -1;
    private byte[] buf = new byte[16 << 10];
    private int bufLen;
    /** Bytes written to the incr file but not yet fsynced (always/everysec bookkeeping). */
    private boolean unsynced;
    private long lastFsyncMs;
    private final AtomicBoolean bioFsyncPending = new AtomicBoolean();
    private ExecutorService bio;
    private long currentSize, baseSize;
    private long delayedFsync;
    private boolean lastWriteOk = true, lastBgrewriteOk = true;
    private long rewrites, consecutiveFailures, lastRewriteTimeSec = -1;
    private boolean rewriteScheduled;
    private Rewrite rewrite;
    private boolean serverStarted;

    Aof(Engine engine, Config registry, ScheduledExecutorService mainThread, Persistence.Logger log, Persistence persistence) {
        this.engine = engine;
        this.registry = registry;
        this.mainThread = mainThread;
        this.log = log;
        this.persistence = persistence;
        appendonly = registry.register(new BoolParam("appendonly", false));
        appendfilename = registry.register(new StringParam("appendfilename", "appendonly.aof"));
        appendfilename.immutable();
        appenddirname = registry.register(new StringParam("appenddirname", "appendonlydir"));
        appenddirname.immutable();
        appendfsync = registry.register(new EnumParam<>("appendfsync", Fsync.EVERYSEC, Fsync.values(), Fsync::label));
        noFsyncOnRewrite = registry.register(new BoolParam("no-appendfsync-on-rewrite", false));
        autoRewritePercentage = registry.register(new LongParam("auto-aof-rewrite-percentage", 100, 0, Integer.MAX_VALUE, false));
        autoRewriteMinSize = registry.register(new LongParam("auto-aof-rewrite-min-size", 64L << 20, 0, Long.MAX_VALUE, true));
        loadTruncated = registry.register(new BoolParam("aof-load-truncated", true));
        useRdbPreamble = registry.register(new BoolParam("aof-use-rdb-preamble", true));
        timestampEnabled = registry.register(new BoolParam("aof-timestamp-enabled", false));
        registry.register(new BoolParam("aof-rewrite-incremental-fsync", true));
        registry.register(new BoolParam("aof-disable-auto-gc", false));
        appendonly.onChange(this::appendonlyChanged);
        engine.commands.register("bgrewriteaof", c -> {
            String reply = bgrewriteaof();
            if (reply.startsWith("ERR")) throw new ReplyException(reply);
            c.addReplyStatus(reply);
        });
    }

    /* ---------------- paths ---------------- */

    private Path dir() {
        Param p = registry.find("dir");
        return Path.of(p == null ? "." : p.get());
    }

    Path aofDir() {
        return dir().resolve(appenddirname.value());
    }

    private String manifestName() {
        return appendfilename.value() + MANIFEST_SUFFIX;
    }

    public boolean enabled() {
        return on;
    }

    public boolean rewriteInProgress() {
        return rewrite != null;
    }

    /* ---------------- feeding: the write stream ---------------- */

    /** feedAppendOnlyFile: the unit as RESP, after a timestamp annotation when the second changed. */
    @Override public void onUnit(WriteUnit unit) {
        if (!on) return;
        if (timestampEnabled.value()) {
            long sec = engine.now() / 1000;
            if (sec != lastTimestamp) { // an annotation "#TS:<unix time>" whenever the second changes
                lastTimestamp = sec;
                byte[] ts = ("#TS:" + sec + "\r\n").getBytes(StandardCharsets.US_ASCII);
                ensure(ts.length);
                System.arraycopy(ts, 0, buf, bufLen, ts.length);
                bufLen += ts.length;
            }
        }
        encoded.clear();
        encoder.unit(unit, encoded);
        int n = encoded.readableBytes();
        ensure(n);
        encoded.getBytes(0, buf, bufLen, n);
        bufLen += n;
    }

    private void ensure(int n) {
        if (bufLen + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, bufLen + n));
    }

    /* ---------------- flushing ---------------- */

    /**
     * True when replies must wait for an fsync (appendfsync always with data not yet on
     * disk): the server then batches every waiting client behind one {@link #flushBeforeReply}.
     */
    public boolean mustSyncBeforeReply() {
        return on && appendfsync.value() == Fsync.ALWAYS && (bufLen > 0 || unsynced);
    }

    /** Called before client replies are written: the buffer goes to the file (and disk, with always). */
    public void flushBeforeReply() {
        if (on && (bufLen > 0 || unsynced)) flushAppendOnlyFile(false);
    }

    /** DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write of the buffer (tests of slow disks). */
    public volatile long flushSleepMicros;

    private void sleepBeforeFlush() {
        try {
            Thread.sleep(flushSleepMicros / 1000, (int) (flushSleepMicros % 1000) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** flushAppendOnlyFile: write the buffer; fsync now (always) or schedule it (everysec). */
    void flushAppendOnlyFile(boolean forceFsync) {
        if (bufLen > 0 && flushSleepMicros > 0) sleepBeforeFlush();
        if (bufLen > 0) {
            try {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, bufLen);
                while (bb.hasRemaining()) incr.write(bb);
            } catch (IOException e) {
                writeFailed(e);
                return;
            }
            currentSize += bufLen;
            if (!lastWriteOk) log.warning("AOF write error looks solved, Redis can write again.");
            lastWriteOk = true;
            unsynced = true;
            if (buf.length > (1 << 20)) buf = new byte[16 << 10];
            bufLen = 0;
        }
        if (!unsynced) return;
        if (noFsyncOnRewrite.value() && rewrite != null && !forceFsync) return;
        Fsync policy = appendfsync.value();
        if (policy == Fsync.ALWAYS || forceFsync) {
            try {
                incr.force(false);
            } catch (IOException e) {
                log.warning("Can't persist append only file with fsync: " + e.getMessage());
                fatal("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
            }
            unsynced = false;
            lastFsyncMs = System.currentTimeMillis();
        } else if (policy == Fsync.EVERYSEC) {
            long now = System.currentTimeMillis();
            if (now - lastFsyncMs < 1000) return;
            if (!bioFsyncPending.compareAndSet(false, true)) {
                delayedFsync++;
                return;
            }
            FileChannel ch = incr;
            unsynced = false;
            lastFsyncMs = now;
            bio.execute(() -> {
                try {
                    ch.force(false);
                } catch (IOException e) {
                    // the channel may have been closed by a rewrite; its data was fsynced then
                } finally {
                    bioFsyncPending.set(false);
                }
            });
        }
    }

    private void writeFailed(IOException e) {
        lastWriteOk = false;
        log.warning("Error writing to the AOF file: " + e.getMessage());
        if (appendfsync.value() == Fsync.ALWAYS) {
            fatal("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        }
        // The buffer is kept: the next flush retries, as Redis does, and writes are refused meanwhile.
    }

    private void fatal(String message) {
        log.warning(message);
        Runtime.getRuntime().halt(1);
    }

    /** Redis's writeCommandsDeniedByDiskError, the AOF half. */
    public String writesDeniedByDiskError() {
        return on && !lastWriteOk ? "MISCONF Errors writing to the AOF file: see the server log for details" : null;
    }

    /* ---------------- startup ---------------- */

    /** Read appendonly from the configuration: true when the AOF must be loaded instead of the RDB. */
    public boolean configuredOn() {
        return appendonly.value();
    }

    /**
     * loadAppendOnlyFiles + aofOpenIfNeededOnServerStart: loads the files the manifest lists,
     * then opens (or creates) the incr file for appending. Throws IllegalStateException,
     * naming the file and offset, if anything cannot be loaded: the server must not start.
     */
    public void loadAndOpenAtStartup() {
        loadAndOpenAtStartup(persistence.inlineFeed());
    }

    /** The same, with the loaded keys and commands applied through feed (see Persistence.loadAtStartup). */
    void loadAndOpenAtStartup(KeyspaceFeed feed) {
        Path dir = aofDir();
        Path manifestPath = dir.resolve(manifestName());
        long start = System.nanoTime();
        manifest = Files.isDirectory(dir) && Files.exists(manifestPath) ? readManifest(manifestPath) : new AofManifest();
        if (isOldStyleAof(dir)) upgradeOldStyleAof(dir);
        if (!manifest.isEmpty()) {
            loadFiles(dir, feed);
            log.notice(String.format(Locale.ROOT, "DB loaded from append only file: %.3f seconds", (System.nanoTime() - start) / 1e9));
        }
        try {
            feed.run(() -> openAtStartup(dir));
        } catch (IOException e) {
            throw fatalStartup("Can't open the append-only file: " + e.getMessage());
        }
    }

    /**
     * loadAppendOnlyFiles' upgrade check: an appendonly.aof in dir, written by Redis before
     * 7.0 (commands, or an RDB preamble and commands), is the dataset when there is no AOF
     * directory, or no manifest, or a manifest naming only that file as base that the
     * directory does not hold yet (an upgrade interrupted by a crash).
     */
    private boolean isOldStyleAof(Path dir) {
        String name = appendfilename.value();
        if (!Files.isRegularFile(dir().resolve(name))) return false;
        return !Files.isDirectory(dir) || manifest.isEmpty()
                || (manifest.base != null && manifest.incrs.isEmpty() && manifest.base.fileName().equals(name)
                        && !Files.exists(dir.resolve(name)));
    }

    /** aofUpgradePrepare: the old file becomes the base (seq 1) of a manifest, moved into the AOF directory. */
    private void upgradeOldStyleAof(Path dir) {
        String name = appendfilename.value();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw fatalStartup("Can't open or create append-only dir " + appenddirname.value() + ": " + Persistence.strerror(e));
        }
        manifest = new AofManifest();
        manifest.base = new AofManifest.Info(name, 1, AofManifest.BASE);
        manifest.currBaseSeq = 1;
        try {
            persistManifest(dir, manifest);
        } catch (IOException e) {
            throw fatalStartup("Can't persist the AOF manifest file " + manifestName() + ": " + Persistence.strerror(e));
        }
        try {
            Files.move(dir().resolve(name), dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw fatalStartup("Error trying to move the old AOF file " + name + " into dir " + appenddirname.value() + ": "
                    + Persistence.strerror(e));
        }
        log.notice("Successfully migrated an old-style AOF file (" + name + ") into the AOF directory (" + appenddirname.value() + ").");
    }

    /** DEBUG LOADAOF: write out the buffer, then load the files the manifest on disk lists (the incr file stays open). */
    void debugLoad(KeyspaceFeed feed) {
        if (on) flushAppendOnlyFile(true);
        Path dir = aofDir();
        Path manifestPath = dir.resolve(manifestName());
        if (!Files.exists(manifestPath)) return;
        manifest = readManifest(manifestPath);
        loadFiles(dir, feed);
    }

    /** aofOpenIfNeededOnServerStart, on the keyspace thread: a first base if there is none, the incr file, the manifest. */
    private void openAtStartup(Path dir) {
        try {
            Files.createDirectories(dir);
            if (manifest.base == null && manifest.incrs.isEmpty()) {
                String baseName = writeBaseSynchronously(dir);
                log.notice("Creating AOF base file " + baseName + " on server start");
            }
            if (manifest.incrs.isEmpty()) {
                String name = openNewIncr(dir);
                log.notice("Creating AOF incr file " + name + " on server start");
            } else {
                AofManifest.Info last = manifest.incrs.get(manifest.incrs.size() - 1);
                incr = FileChannel.open(dir.resolve(last.fileName()), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
                log.notice("Opening AOF incr file " + last.fileName() + " on server start");
            }
            persistManifest(dir, manifest);
            deleteHistory(dir);
        } catch (IOException e) {
            throw fatalStartup("Can't open the append-only file: " + e.getMessage());
        }
        turnOn();
    }

    private IllegalStateException fatalStartup(String msg) {
        log.warning(msg);
        return new Persistence.LoadFailure(msg, null);
    }

    private AofManifest readManifest(Path p) {
        try {
            return AofManifest.parse(Files.readString(p, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw fatalStartup("Can't open the AOF manifest file " + p.getFileName() + " for reading: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw fatalStartup(e.getMessage() + " in the AOF manifest file " + p.getFileName());
        }
    }

    private void turnOn() {
        on = true;
        encoder.reselect();
        if (bio == null) {
            bio = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "magpie-aof-fsync");
                t.setDaemon(true);
                return t;
            });
        }
        engine.writes.removeListener(this);
        engine.writes.addListener(this, io.magpie.engine.WriteUnit.AOF);
        lastFsyncMs = System.currentTimeMillis();
    }

    /** From now on CONFIG SET appendonly turns the AOF on and off at once. */
    void serverStarted() {
        serverStarted = true;
    }

    /* ---------------- loading ---------------- */

    private void loadFiles(Path dir, KeyspaceFeed feed) {
        java.util.List<AofManifest.Info> files = new java.util.ArrayList<>();
        if (manifest.base != null) files.add(manifest.base);
        files.addAll(manifest.incrs);
        long total = 0;
        try {
            persistence.beginLoading(feed, totalSize(dir, files));
        } catch (IOException e) {
            throw fatalStartup("Error reading the append only file: " + e.getMessage());
        }
        try {
            for (int i = 0; i < files.size(); i++) {
                AofManifest.Info f = files.get(i);
                Path p = dir.resolve(f.fileName());
                if (!Files.exists(p)) {
                    throw fatalStartup("The AOF file " + f.fileName() + " doesn't exist");
                }
                long start = System.nanoTime();
                feed.fileStarts(total);
                boolean loaded = loadSingleFile(p, i == files.size() - 1, f.type() == AofManifest.BASE, feed);
                feed.sync();
                long size = Files.size(p);
                total += size;
                if (loaded) {
                    log.notice(String.format(Locale.ROOT, "DB loaded from %s file %s: %.3f seconds",
                            f.type() == AofManifest.BASE ? "base" : "incr", f.fileName(), (System.nanoTime() - start) / 1e9));
                }
            }
        } catch (IOException e) {
            throw fatalStartup("Error reading the append only file: " + e.getMessage());
        } finally {
            persistence.endLoading(feed);
        }
        currentSize = baseSize = total;
    }

    /** getBaseAndIncrAppendOnlyFilesSize: INFO's loading_total_bytes. */
    private static long totalSize(Path dir, java.util.List<AofManifest.Info> files) {
        long total = 0;
        for (AofManifest.Info f : files) {
            try {
                total += Files.size(dir.resolve(f.fileName()));
            } catch (IOException e) {
                // a missing file fails the load with its own message
            }
        }
        return total;
    }

    /**
     * loadSingleAppendOnlyFile. Returns false for an empty file. A truncated tail of the
     * last file is cut when aof-load-truncated allows it; anything else is fatal.
     */
    private boolean loadSingleFile(Path p, boolean lastFile, boolean base, KeyspaceFeed feed) throws IOException {
        String name = p.getFileName().toString();
        long size = Files.size(p);
        if (size == 0) return false;
        long validUpTo = 0, validBeforeMulti = 0;
        boolean truncated = false, inMulti = false;
        // Made on the keyspace thread: a new client takes an id from the engine.
        Client fake = feed.call(() -> Client.detached(engine));
        fake.authenticated = true;
        fake.obeyed = true; // a write of the log is applied even where a client's would be refused
        try (FileChannel file = FileChannel.open(p, StandardOpenOption.READ)) {
            BufferedInputStream in = new BufferedInputStream(java.nio.channels.Channels.newInputStream(file), 1 << 16);
            in.mark(5);
            byte[] sig = in.readNBytes(5);
            in.reset();
            long startOffset = 0;
            if (sig.length == 5 && new String(sig, StandardCharsets.ISO_8859_1).equals("REDIS")) {
                log.notice(base && name.endsWith(".rdb") ? "Reading RDB base file on AOF loading..." : "Reading RDB preamble from AOF file...");
                startOffset = loadRdbPart(in, name, feed);
                if (!name.endsWith(".rdb")) log.notice("Reading the remaining AOF tail...");
                else return true;
                validUpTo = validBeforeMulti = startOffset;
                // The RDB reader reads ahead: the commands start where the preamble ended, not where it stopped reading.
                file.position(startOffset);
                in = new BufferedInputStream(java.nio.channels.Channels.newInputStream(file), 1 << 16);
            }
            AofReader r = new AofReader(in, startOffset);
            while (true) {
                byte[][] argv;
                try {
                    argv = r.next();
                } catch (AofReader.Truncated e) {
                    truncated = true;
                    break;
                } catch (AofReader.BadFormat e) {
                    throw fatalStartup("Bad file format reading the append only file " + name + " at offset " + e.offset + " ("
                            + e.getMessage() + "): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");
                }
                if (argv == null) break;
                if (engine.commands.lookup(argv[0]) == null) {
                    throw fatalStartup("Unknown command '" + new String(argv[0], StandardCharsets.UTF_8)
                            + "' reading the append only file " + name + " at offset " + validUpTo);
                }
                // Whether the fake client is inside MULTI follows from the commands alone, so it
                // is tracked here, on the reading side, while the keyspace thread runs them.
                if (!inMulti && argEquals(argv[0], "multi")) {
                    validBeforeMulti = validUpTo;
                    inMulti = true;
                } else if (inMulti && (argEquals(argv[0], "exec") || argEquals(argv[0], "discard"))) {
                    inMulti = false;
                }
                feed.command(fake, argv, r.offset());
                validUpTo = r.offset();
                if (!inMulti) validBeforeMulti = validUpTo;
            }
        }
        if (!truncated && inMulti) {
            log.warning("Revert incomplete MULTI/EXEC transaction in AOF file " + name);
            validUpTo = validBeforeMulti;
            truncated = true;
        } else if (truncated && inMulti) {
            validUpTo = validBeforeMulti;
        }
        if (truncated) {
            if (loadTruncated.value() && lastFile) {
                log.warning("!!! Warning: short read while loading the AOF file " + name + "!!!");
                log.warning("!!! Truncating the AOF " + name + " at offset " + validUpTo + " !!!");
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.truncate(validUpTo);
                    ch.force(true);
                } catch (IOException e) {
                    throw fatalStartup("Error truncating the AOF file " + name + ": " + e.getMessage());
                }
                log.warning("AOF " + name + " loaded anyway because aof-load-truncated is enabled");
            } else {
                throw fatalStartup("Unexpected end of file reading the append only file " + name + " at offset " + validUpTo
                        + " (last complete command). You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix"
                        + " <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes"
                        + " and restart the server.");
            }
        }
        return true;
    }

    private static boolean argEquals(byte[] a, String s) {
        if (a.length != s.length()) return false;
        for (int i = 0; i < a.length; i++) if (Character.toLowerCase(a[i]) != s.charAt(i)) return false;
        return true;
    }

    /** An RDB base or preamble, through the RDB loader; returns its length in bytes. */
    private long loadRdbPart(InputStream in, String name, KeyspaceFeed feed) {
        RdbReader r = new RdbReader(in);
        RdbLoader.Result res;
        try {
            // An AOF preamble keeps keys already expired: the log that follows may refer to them.
            res = new RdbLoader(engine, false, persistence.rdbchecksum.value()).target(feed).load(r);
            feed.sync();
        } catch (EOFException e) {
            throw fatalStartup("Error reading the RDB base file " + name + ", AOF loading aborted: Short read at offset " + r.offset());
        } catch (RdbException e) {
            throw fatalStartup("Error reading the RDB base file " + name + ", AOF loading aborted: " + e.getMessage());
        } catch (IOException e) {
            throw fatalStartup("Error reading the RDB base file " + name + ", AOF loading aborted: " + e.getMessage()
                    + " (at offset " + r.offset() + ")");
        }
        log.notice("Done loading RDB, keys loaded: " + res.keysLoaded + ", keys expired: " + res.keysExpired + ".");
        return r.offset();
    }

    /* ---------------- files and manifest ---------------- */

    private String baseName(long seq) {
        return appendfilename.value() + "." + seq + ".base" + (useRdbPreamble.value() ? ".rdb" : ".aof");
    }

    private String incrName(long seq) {
        return appendfilename.value() + "." + seq + ".incr.aof";
    }

    /** Opens the next incr file and makes it the current one (openNewIncrAofForAppend); the manifest is the caller's. */
    private String openNewIncr(Path dir) throws IOException {
        long seq = manifest.currIncrSeq + 1;
        String name = incrName(seq);
        FileChannel ch = FileChannel.open(dir.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        if (incr != null) {
            try {
                incr.force(false);
                incr.close();
            } catch (IOException e) {
                log.warning("Error closing the previous AOF incr file: " + e.getMessage());
            }
        }
        incr = ch;
        manifest.incrs.add(new AofManifest.Info(name, seq, AofManifest.INCR));
        manifest.currIncrSeq = seq;
        encoder.reselect();
        lastTimestamp = -1;
        unsynced = false;
        return name;
    }

    /** Writes the manifest to a temp file, fsyncs it and renames it over the old one, then fsyncs the directory. */
    private void persistManifest(Path dir, AofManifest m) throws IOException {
        Path tmp = dir.resolve(TEMP_PREFIX + manifestName());
        byte[] data = m.format().getBytes(StandardCharsets.ISO_8859_1);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bb = ByteBuffer.wrap(data);
            while (bb.hasRemaining()) ch.write(bb);
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(manifestName()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        fsyncDir(dir);
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename is still atomic
        }
    }

    /** Removes history files and drops them from the manifest (aofDelHistoryFiles). */
    private void deleteHistory(Path dir) throws IOException {
        if (manifest.history.isEmpty()) return;
        for (AofManifest.Info h : manifest.history) {
            log.notice("Removing the history file " + h.fileName() + " in the background");
            Files.deleteIfExists(dir.resolve(h.fileName()));
        }
        manifest.history.clear();
        persistManifest(dir, manifest);
    }

    /** The base of a new AOF written on this thread (server start with no AOF yet). Returns its name. */
    private String writeBaseSynchronously(Path dir) throws IOException {
        long seq = manifest.currBaseSeq + 1;
        String name = baseName(seq);
        Path tmp = dir.resolve(TEMP_PREFIX + name);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            KeyspaceSnapshot.Sink sink = baseSink((b, len) -> BackgroundSnapshot.writeFully(ch, b, len));
            KeyspaceSnapshot.start(engine, sink).finish();
            ch.force(true);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        baseSize = currentSize = Files.size(dir.resolve(name));
        if (manifest.base != null) manifest.history.add(new AofManifest.Info(manifest.base.fileName(), manifest.base.seq(), AofManifest.HISTORY));
        manifest.base = new AofManifest.Info(name, seq, AofManifest.BASE);
        manifest.currBaseSeq = seq;
        return name;
    }

    /** The snapshot's serializer for a base file: an RDB with aof-base set, or commands. */
    private KeyspaceSnapshot.Sink baseSink(RdbWriter.Flusher out) {
        if (useRdbPreamble.value()) {
            Runtime rt = Runtime.getRuntime();
            RdbSaver.Aux aux = new RdbSaver.Aux(Persistence.REDIS_VERSION, System.currentTimeMillis() / 1000,
                    rt.totalMemory() - rt.freeMemory(), true, null, 0, 0, engine.scripting.libraryCodes());
            return new RdbSaver(new RdbWriter(persistence.rdbcompression.value(), out, FLUSH_AT).listFill(persistence.listFill()),
                    persistence.rdbchecksum.value(), aux).accessHistory(engine);
        }
        CommandBaseSink sink = new CommandBaseSink(out, persistence.rdbcompression.value(), persistence.listFill());
        sink.functions(engine.scripting.libraryCodes());
        return sink;
    }

    /**
     * A base file of commands (aof-use-rdb-preamble no). Each key becomes one
     * RESTORE key expire-at payload ABSTTL, with the DUMP payload of its value: unlike
     * Redis, which writes type-specific commands (RPUSH, HSET...), but loadable by it.
     * Streams are the exception, written as Redis writes them (XADD, XSETID, XGROUP, XCLAIM).
     */
    private static final class CommandBaseSink implements KeyspaceSnapshot.Sink {
        private static final byte[] RESTORE = "RESTORE".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] ABSTTL = "ABSTTL".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] PEXPIREAT = "PEXPIREAT".getBytes(StandardCharsets.US_ASCII);
        private final RdbWriter.Flusher out;
        private final boolean compression;
        private final int listFill;
        private final StreamEncoder encoder = new StreamEncoder();
        private final ByteBuf pending = Unpooled.buffer(FLUSH_AT + (FLUSH_AT >> 2));

        CommandBaseSink(RdbWriter.Flusher out, boolean compression, int listFill) {
            this.out = out;
            this.compression = compression;
            this.listFill = listFill;
        }

        /** The FUNCTION libraries open the base file as FUNCTION LOAD commands (rewriteFunctions). */
        void functions(java.util.List<byte[]> codes) {
            for (byte[] code : codes) encoder.commandWithoutSelect(new byte[][] {FUNCTION, LOAD, code}, pending);
            if (pending.readableBytes() >= FLUSH_AT) drain();
        }

        private static final byte[] FUNCTION = "FUNCTION".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] LOAD = "LOAD".getBytes(StandardCharsets.US_ASCII);

        @Override public void beginDb(int dbIndex, long keys, long expires) {
            // SELECT goes with each entry whose db differs from the last one written
        }

        @Override public void entry(int dbIndex, byte[] key, Object value, long expireMs) {
            if (value instanceof io.magpie.engine.types.StreamValue stream) {
                // Streams are rewritten as Redis does, as the commands that rebuild them.
                StreamRewrite.emit(key, stream, argv -> encoder.command(dbIndex, argv, pending));
                if (expireMs >= 0) {
                    encoder.command(dbIndex, new byte[][] {PEXPIREAT, key, Long.toString(expireMs).getBytes(StandardCharsets.US_ASCII)}, pending);
                }
                if (pending.readableBytes() >= FLUSH_AT) drain();
                return;
            }
            byte[] payload;
            try {
                payload = DumpPayload.create(value, compression, listFill);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            byte[] ttl = Long.toString(expireMs < 0 ? 0 : expireMs).getBytes(StandardCharsets.US_ASCII);
            encoder.command(dbIndex, expireMs < 0 ? new byte[][] {RESTORE, key, ttl, payload}
                    : new byte[][] {RESTORE, key, ttl, payload, ABSTTL}, pending);
            if (pending.readableBytes() >= FLUSH_AT) drain();
        }

        private void drain() {
            byte[] b = new byte[pending.readableBytes()];
            pending.readBytes(b);
            pending.clear();
            out.flush(b, b.length);
        }

        @Override public void end() {
            drain();
        }
    }

    /* ---------------- BGREWRITEAOF ---------------- */

    /** BGREWRITEAOF's reply (an ERR string on failure). */
    public String bgrewriteaof() {
        if (rewrite != null) return "ERR Background append only file rewriting already in progress";
        if (persistence.bgsaveInProgress()) {
            rewriteScheduled = true;
            return "Background append only file rewriting scheduled";
        }
        String err = startRewrite();
        return err != null ? err : "Background append only file rewriting started";
    }

    /**
     * One background rewrite: the new incr file is opened in the same instant the snapshot
     * starts, so the new base plus that incr file are exactly the dataset.
     */
    private final class Rewrite {
        final Path dir = aofDir();
        final long baseSeq = manifest.currBaseSeq + 1;
        final String baseName = baseName(baseSeq);
        /** The incr files that the new base replaces (all those before the one opened at the start). */
        final int replacedIncrs;
        final BackgroundSnapshot child;

        Rewrite() throws IOException {
            if (on) {
                flushAppendOnlyFile(true);
                replacedIncrs = manifest.incrs.size();
                String name = openNewIncr(dir);
                persistManifest(dir, manifest);
                log.notice("Creating AOF incr file " + name + " on background rewrite");
            } else {
                replacedIncrs = 0;
            }
            child = new BackgroundSnapshot(engine, mainThread, dir().resolve("temp-rewriteaof-bg-" + ProcessHandle.current().pid() + ".aof"),
                    dir.resolve(baseName), "magpie-aofrw", Aof.this::baseSink, (s, ok) -> rewriteDone(this, ok));
        }
    }

    private String startRewrite() {
        try {
            Path dir = aofDir();
            Files.createDirectories(dir);
            if (manifest == null) {
                Path mp = dir.resolve(manifestName());
                manifest = Files.exists(mp) ? readManifest(mp) : new AofManifest();
            }
            rewrite = new Rewrite();
        } catch (IOException | RuntimeException e) {
            rewrite = null;
            lastBgrewriteOk = false;
            consecutiveFailures++;
            log.warning("Can't rewrite append only file in background: " + e.getMessage());
            return "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
        }
        rewriteScheduled = false;
        log.notice("Background append only file rewriting started");
        rewrite.child.start();
        return null;
    }

    /** backgroundRewriteDoneHandler: the new base replaces the old base and the incr files it covers. */
    private void rewriteDone(Rewrite r, boolean ok) {
        if (rewrite != r) return;
        rewrite = null;
        lastRewriteTimeSec = (System.nanoTime() - r.child.startNanos) / 1_000_000_000L;
        if (ok) {
            try {
                Path dir = r.dir;
                log.notice("Background AOF rewrite terminated with success");
                log.notice("Successfully renamed the temporary AOF base file " + r.child.tmp.getFileName() + " into " + r.baseName);
                AofManifest m = manifest.copy();
                if (m.base != null) m.history.add(new AofManifest.Info(m.base.fileName(), m.base.seq(), AofManifest.HISTORY));
                m.base = new AofManifest.Info(r.baseName, r.baseSeq, AofManifest.BASE);
                m.currBaseSeq = r.baseSeq;
                for (int i = 0; i < r.replacedIncrs; i++) {
                    AofManifest.Info old = m.incrs.remove(0);
                    m.history.add(new AofManifest.Info(old.fileName(), old.seq(), AofManifest.HISTORY));
                }
                persistManifest(dir, m);
                manifest = m;
                long size = Files.size(dir.resolve(r.baseName));
                currentSize = size + (incr == null ? 0 : incr.size());
                baseSize = currentSize;
                deleteHistory(dir);
                lastBgrewriteOk = true;
                consecutiveFailures = 0;
                rewrites++;
                log.notice("Background AOF rewrite finished successfully");
                return;
            } catch (IOException e) {
                log.warning("Error trying to persist the AOF manifest after the rewrite into " + r.baseName + ": " + e.getMessage());
            }
        } else {
            log.warning("Background AOF rewrite terminated with error: " + Persistence.message(r.child.ioError.get()));
        }
        lastBgrewriteOk = false;
        consecutiveFailures++;
    }

    /** Before another snapshot starts (SAVE): completes a running rewrite's snapshot on this thread. */
    void completeRewriteSnapshot() {
        if (rewrite != null) rewrite.child.finishSnapshotNow();
    }

    /* ---------------- runtime on/off (CONFIG SET appendonly) ---------------- */

    private void appendonlyChanged() {
        if (!serverStarted) return; // at startup the configuration only says what to load
        if (appendonly.value() && !on) startAppendOnly();
        else if (!appendonly.value() && on) stopAppendOnly();
    }

    /** startAppendOnly: the AOF begins as a rewrite of the current dataset plus a fresh incr file. */
    private void startAppendOnly() {
        try {
            Path dir = aofDir();
            Files.createDirectories(dir);
            Path mp = dir.resolve(manifestName());
            manifest = Files.exists(mp) ? readManifest(mp) : new AofManifest();
            String base = writeBaseSynchronously(dir);
            manifest.incrs.forEach(i -> manifest.history.add(new AofManifest.Info(i.fileName(), i.seq(), AofManifest.HISTORY)));
            manifest.incrs.clear();
            String name = openNewIncr(dir);
            persistManifest(dir, manifest);
            deleteHistory(dir);
            log.notice("AOF enabled: base " + base + ", incr " + name);
        } catch (IOException | RuntimeException e) {
            log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation: " + e.getMessage());
            return;
        }
        turnOn();
    }

    /** stopAppendOnly: flush and fsync what is buffered, then stop logging. */
    private void stopAppendOnly() {
        flushAppendOnlyFile(true);
        if (rewrite != null) {
            log.notice("Killing running AOF rewrite child");
            rewrite.child.abort();
            rewrite = null;
        }
        try {
            incr.close();
        } catch (IOException ignored) {
            // closing after a successful fsync
        }
        incr = null;
        on = false;
        engine.writes.removeListener(this);
    }

    /* ---------------- cron and shutdown ---------------- */

    /** serverCron's AOF part: pending writes, everysec fsync, scheduled and automatic rewrites. */
    public void cron() {
        if (on) flushAppendOnlyFile(false);
        if (rewrite == null && !persistence.bgsaveInProgress()) {
            if (rewriteScheduled) {
                startRewrite();
            } else if (on && autoRewritePercentage.value() > 0 && currentSize > autoRewriteMinSize.value()) {
                long base = baseSize == 0 ? 1 : baseSize;
                long growth = (currentSize * 100 / base) - 100;
                if (growth >= autoRewritePercentage.value()) {
                    log.notice("Starting automatic rewriting of AOF on " + growth + "% growth");
                    startRewrite();
                }
            }
        }
    }

    /** prepareForShutdown's AOF part: the buffer goes to disk, a running rewrite is abandoned. */
    public void prepareForShutdown() {
        if (rewrite != null) {
            log.warning("There is a child rewriting the AOF. Killing it!");
            rewrite.child.abort();
            rewrite = null;
        }
        if (on) {
            log.notice("Calling fsync() on the AOF file.");
            flushAppendOnlyFile(true);
        }
    }

    /* ---------------- INFO ---------------- */

    /** The aof_* fields that every INFO persistence shows. */
    void infoFields(StringBuilder sb) {
        Persistence.field(sb, "aof_enabled", on ? 1 : 0);
        Persistence.field(sb, "aof_rewrite_in_progress", rewrite == null ? 0 : 1);
        Persistence.field(sb, "aof_rewrite_scheduled", rewriteScheduled ? 1 : 0);
        Persistence.field(sb, "aof_last_rewrite_time_sec", lastRewriteTimeSec);
        Persistence.field(sb, "aof_current_rewrite_time_sec", rewrite == null ? -1 : (System.nanoTime() - rewrite.child.startNanos) / 1_000_000_000L);
        Persistence.field(sb, "aof_last_bgrewrite_status", lastBgrewriteOk ? "ok" : "err");
        Persistence.field(sb, "aof_rewrites", rewrites);
        Persistence.field(sb, "aof_rewrites_consecutive_failures", consecutiveFailures);
        Persistence.field(sb, "aof_last_write_status", lastWriteOk ? "ok" : "err");
        Persistence.field(sb, "aof_last_cow_size", 0);
    }

    /** The fields Redis adds after module_fork_* when the AOF is on. */
    void infoEnabledFields(StringBuilder sb) {
        if (!on) return;
        Persistence.field(sb, "aof_current_size", currentSize);
        Persistence.field(sb, "aof_base_size", baseSize);
        Persistence.field(sb, "aof_pending_rewrite", rewriteScheduled ? 1 : 0);
        Persistence.field(sb, "aof_buffer_length", bufLen);
        Persistence.field(sb, "aof_pending_bio_fsync", bioFsyncPending.get() ? 1 : 0);
        Persistence.field(sb, "aof_delayed_fsync", delayedFsync);
    }
}
