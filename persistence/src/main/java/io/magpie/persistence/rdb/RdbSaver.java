package io.magpie.persistence.rdb;

import io.magpie.engine.Engine;
import io.magpie.engine.EngineConfig.MaxmemoryPolicy;
import io.magpie.engine.Eviction;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Turns a {@link KeyspaceSnapshot} into an RDB stream (rdbSaveRio): header and aux fields,
 * then per db SELECTDB, RESIZEDB and its keys, then EOF and the checksum.
 *
 * <p>Entries of a db the walk has not reached (forced out early by a write) wait in that
 * db's side buffer and are emitted right after its SELECTDB: RDB does not order keys
 * within a db, only groups them by db.
 */
public final class RdbSaver implements KeyspaceSnapshot.Sink {
    /** The aux fields Redis 7.0 writes (rdbSaveInfoAuxFields). */
    public record Aux(String redisVer, long ctimeSeconds, long usedMem, boolean aofBase, String replId, long replOffset, int replStreamDb,
                      java.util.List<byte[]> functionLibraries, java.util.Map<String, String> extra) {
        /** Aux fields of an RDB without FUNCTION libraries. */
        public Aux(String redisVer, long ctimeSeconds, long usedMem, boolean aofBase, String replId, long replOffset, int replStreamDb) {
            this(redisVer, ctimeSeconds, usedMem, aofBase, replId, replOffset, replStreamDb, java.util.List.of());
        }

        public Aux(String redisVer, long ctimeSeconds, long usedMem, boolean aofBase, String replId, long replOffset, int replStreamDb,
                java.util.List<byte[]> functionLibraries) {
            this(redisVer, ctimeSeconds, usedMem, aofBase, replId, replOffset, replStreamDb, functionLibraries, java.util.Map.of());
        }

        /**
         * These fields and more of Magpie's own after Redis's (a Raft shard's slot state): a loader
         * ignores aux fields it does not know, as Redis's does (rdbLoadRio).
         */
        public Aux withExtra(java.util.Map<String, String> more) {
            return new Aux(redisVer, ctimeSeconds, usedMem, aofBase, replId, replOffset, replStreamDb, functionLibraries, more);
        }
    }

    private final RdbWriter out;
    private final boolean checksum;
    private RdbWriter[] pending = new RdbWriter[16];
    private int currentDb = -1;
    private long keys;
    private Eviction eviction;
    private boolean saveLru, saveLfu;

    public RdbSaver(RdbWriter out, boolean checksum, Aux aux) {
        this.out = out;
        this.checksum = checksum;
        out.writeHeader();
        out.writeAux("redis-ver", aux.redisVer());
        out.writeAux("redis-bits", 64);
        out.writeAux("ctime", aux.ctimeSeconds());
        out.writeAux("used-mem", aux.usedMem());
        if (aux.replId() != null) {
            out.writeAux("repl-stream-db", aux.replStreamDb());
            out.writeAux("repl-id", aux.replId());
            out.writeAux("repl-offset", aux.replOffset());
        }
        out.writeAux("aof-base", aux.aofBase() ? 1 : 0);
        aux.extra().forEach(out::writeAux);
        // FUNCTION libraries come before the dbs, one FUNCTION2 opcode and the code each (rdbSaveFunctions).
        for (byte[] code : aux.functionLibraries()) {
            out.writeByte(Rdb.OPCODE_FUNCTION2);
            out.writeString(code);
        }
    }

    @Override public void beginDb(int dbIndex, long keys, long expires) {
        currentDb = dbIndex;
        out.writeSelectDb(dbIndex);
        out.writeResizeDb(keys, expires);
        if (dbIndex < pending.length && pending[dbIndex] != null) {
            out.append(pending[dbIndex]);
            pending[dbIndex] = null;
        }
    }

    /**
     * Under an LRU maxmemory-policy each key is saved with its idle time, under an LFU one
     * with its access counter (rdbSaveKeyValuePair), so a restart keeps eviction's view.
     */
    public RdbSaver accessHistory(Engine engine) {
        MaxmemoryPolicy policy = engine.config.maxmemoryPolicy.value();
        this.eviction = engine.eviction();
        this.saveLru = policy.isLru();
        this.saveLfu = policy.isLfu();
        return this;
    }

    @Override public void entry(int dbIndex, byte[] key, Object value, long expireMs) {
        entry(dbIndex, key, value, expireMs, 0);
    }

    @Override public void entry(int dbIndex, byte[] key, Object value, long expireMs, int lru) {
        RdbWriter w = out;
        if (dbIndex != currentDb) {
            if (dbIndex >= pending.length) pending = java.util.Arrays.copyOf(pending, dbIndex + 1);
            if (pending[dbIndex] == null) pending[dbIndex] = new RdbWriter(out.compression()).listFill(out.listFill());
            w = pending[dbIndex];
        }
        try {
            long idleSeconds = saveLru ? eviction.idleMillis(lru) / 1000 : -1;
            int freq = saveLfu ? eviction.frequency(lru) : -1;
            RdbObjects.saveKeyValuePair(w, key, value, expireMs, idleSeconds, freq);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keys++;
    }

    @Override public void end() {
        out.writeEof(checksum);
        out.flushNow();
    }

    public long keysSaved() {
        return keys;
    }

    /** Bytes held in side buffers for dbs not reached yet (the snapshot's copy-on-write cost). */
    public long pendingBytes() {
        long n = 0;
        for (RdbWriter w : pending) if (w != null) n += w.size();
        return n;
    }
}
