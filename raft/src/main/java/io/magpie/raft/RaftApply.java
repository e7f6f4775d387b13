package io.magpie.raft;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.engine.keyspace.Database;
import io.magpie.persistence.Persistence;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies committed entries on the keyspace thread, the same way on every member: at the
 * entry's leader time, with the random generator reseeded from the entry, through the one
 * pipeline as an obeyed client. On the member whose client proposed the write, the parked
 * client itself runs it and gets the reply of this apply; then it is unparked.
 */
public final class RaftApply {
    /** The member this applies for: its id (whose proposals it answers) and where ADDRESS entries go. */
    public interface Member {
        String id();

        void address(String member, String clientAddress);
    }

    private static final byte[][] MULTI = {"MULTI".getBytes(StandardCharsets.US_ASCII)};
    private static final byte[][] EXEC = {"EXEC".getBytes(StandardCharsets.US_ASCII)};

    private final Member module;
    private final Engine engine;
    private final CommandPipeline pipeline;
    /** Parked clients of this member by proposal sequence. */
    private final Map<Long, Client> proposed = new HashMap<>();
    /**
     * Proposals whose fate the leader could not tell (it stepped down, or the request failed
     * after it may have been appended), by sequence: the term it was proposed in at the latest,
     * and when it became undecided. Their clients stay parked until the log decides.
     */
    private final Map<Long, long[]> undecided = new HashMap<>();
    /** How long a client waits for an undecided write before it is told the outcome is unknown. */
    static final long UNDECIDED_MAX_MS = 30_000;
    private long nextSeq;
    /** The obeyed client entries of other members (and of disconnected clients) run as. */
    private Client applier;

    RaftApply(RaftModule module, Engine engine, CommandPipeline pipeline) {
        this(new Member() {
            @Override public String id() {
                return module.config().id.value();
            }

            @Override public void address(String member, String clientAddress) {
                module.clientAddresses.put(member, clientAddress);
            }
        }, engine, pipeline);
    }

    public RaftApply(Member module, Engine engine, CommandPipeline pipeline) {
        this.module = module;
        this.engine = engine;
        this.pipeline = pipeline;
    }

    /** Remembers a parked client; returns the sequence its entry carries. */
    public long park(Client c) {
        long seq = ++nextSeq;
        proposed.put(seq, c);
        pipeline.park(c);
        return seq;
    }

    /** The proposal failed (not committed here): the client gets the error if it still waits. */
    public void fail(long seq, String error) {
        Client c = proposed.remove(seq);
        if (c == null || !c.blocked) return;
        if (c.multi) engine.discardTransaction(c);
        c.writer().error(error);
        pipeline.unpark(c);
    }

    /**
     * The proposal may still commit under the next leader: its client waits for the log to
     * decide. A TRYAGAIN must mean "not applied" (cluster clients send it again), so it is
     * answered only once an entry of a later term has applied here (by then every entry of
     * termBound or earlier that will ever commit has applied before it, Raft's log matching),
     * and the reply of the entry itself if it applies first.
     */
    public void undecided(long seq, long termBound, long nowMs) {
        if (proposed.containsKey(seq)) undecided.put(seq, new long[] {termBound, nowMs});
    }

    /** An entry of this term applied here: undecided proposals of earlier terms will never apply. */
    public void termApplied(long term) {
        if (undecided.isEmpty()) return;
        for (var it = undecided.entrySet().iterator(); it.hasNext(); ) {
            var u = it.next();
            if (u.getValue()[0] < term) {
                it.remove();
                fail(u.getKey(), "TRYAGAIN Raft leader changed, the write was not applied");
            }
        }
    }

    /** A member cut off from the group never learns the fate: after a bound the client hears so. */
    public void expireUndecided(long nowMs) {
        if (undecided.isEmpty()) return;
        for (var it = undecided.entrySet().iterator(); it.hasNext(); ) {
            var u = it.next();
            if (nowMs - u.getValue()[1] >= UNDECIDED_MAX_MS) {
                it.remove();
                fail(u.getKey(), "ERR Raft write outcome unknown: the leader changed and this member has not learnt whether it applied");
            }
        }
    }

    public void apply(LogEntry e, long index) {
        switch (e.type()) {
            case LogEntry.ADDRESS -> module.address(e.member(), e.clientAddress());
            case LogEntry.EXPIRE -> expire(e);
            case LogEntry.WRITE -> write(e);
            default -> { }
        }
    }

    private void write(LogEntry e) {
        engine.pinTime(e.timeMs());
        engine.reseed(e.seed());
        try {
            Client c = null;
            if (e.origin().equals(module.id())) {
                c = proposed.remove(e.seq());
                undecided.remove(e.seq());
            }
            if (c != null && c.blocked) {
                List<byte[][]> commands = e.commands();
                if (!c.multi) {
                    c.argv = commands.get(0);
                    c.argc = c.argv.length;
                }
                // WATCH was checked when the EXEC was proposed; every member runs it alike.
                c.dirtyCas = false;
                pipeline.call(c);
                pipeline.propagate();
                pipeline.unpark(c);
                return;
            }
            Client a = applier();
            a.db = engine.db(e.db());
            List<byte[][]> commands = e.commands();
            if (commands.size() == 1 && !e.atomic()) {
                run(a, commands.get(0));
            } else {
                run(a, MULTI);
                for (byte[][] argv : commands) run(a, argv);
                run(a, EXEC);
            }
        } finally {
            engine.pinTime(-1);
        }
    }

    /** Every member expires the keys that are due at the entry's time (the leader's active expiry). */
    private void expire(LogEntry e) {
        engine.pinTime(e.timeMs());
        try {
            Database db = engine.db(e.db());
            for (byte[] key : e.commands().get(0)) db.expireIfNeeded(key);
            pipeline.propagate();
        } finally {
            engine.pinTime(-1);
        }
    }

    private void run(Client a, byte[][] argv) {
        a.argv = argv;
        a.argc = argv.length;
        pipeline.process(a);
        a.writer().target().clear();
    }

    private Client applier() {
        if (applier == null) {
            applier = Client.detached(engine);
            applier.obeyed = true;
            applier.authenticated = true;
            applier.aclUser = null;
        }
        return applier;
    }

    /** Replaces the keyspace with a snapshot's RDB. */
    void loadSnapshot(Persistence persistence, Path rdb) {
        for (int i = 0; i < engine.dbCount(); i++) engine.db(i).empty();
        try {
            persistence.loadRdb(rdb);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("raft snapshot " + rdb + " is missing", e);
        }
    }
}
