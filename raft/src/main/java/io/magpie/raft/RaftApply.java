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

        /** Runs task on the keyspace thread after the current one (a held pipelined command). */
        void execute(Runnable task);
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
    /**
     * Pipelined proposals (a client's plain writes proposed without parking it) by sequence,
     * and per client the order its replies must leave in: a reply that is ready waits for
     * those of the client's earlier writes.
     */
    private final Map<Long, Client> pipelined = new HashMap<>();
    /** The slot of each pipelined proposal that has one (a sharded data group's), for {@link #rerouter}. */
    private final Map<Long, Integer> pipelinedSlots = new HashMap<>();
    private final Map<Client, ReplyQueue> queues = new java.util.IdentityHashMap<>();

    private static final class ReplyQueue {
        final java.util.ArrayDeque<Long> order = new java.util.ArrayDeque<>();
        final Map<Long, byte[]> ready = new HashMap<>();
        /** The client's next command waits (parked) until the queue is empty. */
        boolean holding;
    }

    /**
     * The sequence of this member's last proposal. Entries of an earlier run of this member
     * (same origin) can still apply after a restart, so each run numbers from its own start
     * time (ms, shifted past any count of proposals a millisecond could hold), never from 0,
     * and an old entry cannot be taken for a waiting client's.
     */
    private long nextSeq = System.currentTimeMillis() << 16;
    private RaftBlocking blocking;
    /** The obeyed client entries of other members (and of disconnected clients) run as. */
    private Client applier;

    private final WatchVersions watchVersions = new WatchVersions();
    private final RaftScripts scripts;
    /** SCRIPT LOAD and FLUSH go through this group's log (the single group; not a sharded data group). */
    private boolean scriptCacheLogged;

    RaftApply(RaftModule module, Engine engine, CommandPipeline pipeline) {
        this(new Member() {
            @Override public String id() {
                return module.config().id.value();
            }

            @Override public void address(String member, String clientAddress) {
                module.clientAddresses.put(member, clientAddress);
            }

            @Override public void execute(Runnable task) {
                module.mainLoopExecute(task);
            }
        }, engine, pipeline);
        this.scriptCacheLogged = true;
    }

    public RaftApply(Member module, Engine engine, CommandPipeline pipeline) {
        this.module = module;
        this.engine = engine;
        this.pipeline = pipeline;
        this.scripts = new RaftScripts(engine.scripting);
    }

    WatchVersions watchVersions() {
        return watchVersions;
    }

    RaftScripts scripts() {
        return scripts;
    }

    boolean scriptCacheLogged() {
        return scriptCacheLogged;
    }

    /** Remembers a parked client; returns the sequence its entry carries. */
    public long park(Client c) {
        long seq = register(c);
        pipeline.park(c);
        return seq;
    }

    /** Remembers a client (parked, or blocked on keys) whose entry is proposed; returns the entry's sequence. */
    long register(Client c) {
        long seq = ++nextSeq;
        proposed.put(seq, c);
        return seq;
    }

    /** Whether c waits for an entry of its own to apply (proposed, not applied nor failed yet). */
    boolean awaitsEntry(Client c) {
        return proposed.containsValue(c);
    }

    /** Blocking commands wait on the leader and pop through the log ({@link RaftBlocking}, one per group). */
    public void setBlocking(RaftBlocking blocking) {
        this.blocking = blocking;
    }

    /** Whether the client has pipelined writes whose replies have not all left. */
    public boolean hasInFlight(Client c) {
        return queues.containsKey(c);
    }

    /** Remembers a pipelined proposal of c (c is not parked); returns the sequence its entry carries. */
    long pipeline(Client c) {
        return pipeline(c, -1);
    }

    /** As {@link #pipeline(Client)}, for a write whose keys are in slot (-1: none known). */
    long pipeline(Client c, int slot) {
        long seq = ++nextSeq;
        pipelined.put(seq, c);
        if (slot >= 0) pipelinedSlots.put(seq, slot);
        queues.computeIfAbsent(c, k -> new ReplyQueue()).order.add(seq);
        return seq;
    }

    boolean isPipelined(long seq) {
        return pipelined.containsKey(seq);
    }

    /** Parks c's next command until its pipelined writes have all replied; it is processed then. */
    public void hold(Client c) {
        queues.get(c).holding = true;
        pipeline.park(c);
    }

    /** A pipelined write's reply: it leaves once the client's earlier ones have. */
    private void deliver(long seq, byte[] reply) {
        pipelinedSlots.remove(seq);
        Client c = pipelined.remove(seq);
        ReplyQueue q = c == null ? null : queues.get(c);
        if (q == null) return;
        q.ready.put(seq, reply);
        boolean connected = engine.clients().get(c.id) == c;
        while (!q.order.isEmpty() && q.ready.containsKey(q.order.peekFirst())) {
            byte[] r = q.ready.remove(q.order.pollFirst());
            if (connected) c.writer().raw(r);
        }
        if (!q.order.isEmpty()) return;
        queues.remove(c);
        if (!connected) return;
        c.requestFlush();
        if (q.holding) {
            // After this apply (its pinned time is not the held command's), before the client
            // reads on: unpark schedules that for later on this same thread.
            module.execute(() -> {
                if (!c.blocked || engine.clients().get(c.id) != c) return;
                pipeline.processAgain(c); // the held command, from its first stage
            });
        }
    }

    private static byte[] errorReply(String error) {
        return ("-" + error + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Set by a sharded data group, whose guard holds a command while its group has no leader:
     * a parked write known never to apply is processed again from the first stage, as if its
     * client had sent it again on the TRYAGAIN, so it is proposed here, held for the next
     * leader, or redirected with MOVED, which cluster clients follow on their own.
     */
    private boolean reprocessNotApplied;

    public void reprocessNotApplied() {
        reprocessNotApplied = true;
    }

    /**
     * Where a pipelined write that will never apply is sent again (a sharded data group's): its
     * client has sent the commands after it already, so it is not processed again here but
     * answered, in its turn, with what the rerouter gives: a MOVED to the slot's leader (cluster
     * clients send it there on their own; a write known not to have applied may be), or the
     * error once no leader came within raft-leader-wait.
     */
    public interface Rerouter {
        void reroute(int slot, String error, java.util.function.Consumer<String> answer);
    }

    private Rerouter rerouter;

    public void reprocessNotApplied(Rerouter rerouter) {
        reprocessNotApplied = true;
        this.rerouter = rerouter;
    }

    public boolean reprocessesNotApplied() {
        return reprocessNotApplied;
    }

    /** The proposal will never apply (refused before its append, or cut off by a later term). */
    public void notApplied(long seq, String error) {
        Integer slot = reprocessNotApplied && rerouter != null && pipelined.containsKey(seq) ? pipelinedSlots.get(seq) : null;
        if (slot != null) {
            rerouter.reroute(slot, error, answer -> {
                if (pipelined.containsKey(seq)) deliver(seq, errorReply(answer));
            });
            return;
        }
        Client c = reprocessNotApplied && !pipelined.containsKey(seq) ? proposed.get(seq) : null;
        // An entry that serves a client waiting on keys (a blocking pop) fails as before: it was no command of the client's to send again.
        if (c == null || !c.blocked || (blocking != null && blocking.isWaiting(c))) {
            fail(seq, error);
            return;
        }
        proposed.remove(seq);
        // After the current apply, before the client reads on (as a held pipelined command).
        module.execute(() -> {
            if (c.blocked && engine.clients().get(c.id) == c) pipeline.processAgain(c);
        });
    }

    /** The proposal failed (not committed here): the client gets the error if it still waits. */
    public void fail(long seq, String error) {
        if (pipelined.containsKey(seq)) {
            deliver(seq, errorReply(error));
            return;
        }
        Client c = proposed.remove(seq);
        if (c == null || !c.blocked) return;
        if (blocking != null) blocking.forget(c);
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
        if (proposed.containsKey(seq) || pipelined.containsKey(seq)) undecided.put(seq, new long[] {termBound, nowMs});
    }

    /** An entry of this term applied here: undecided proposals of earlier terms will never apply. */
    public void termApplied(long term) {
        if (undecided.isEmpty()) return;
        for (var it = undecided.entrySet().iterator(); it.hasNext(); ) {
            var u = it.next();
            if (u.getValue()[0] < term) {
                it.remove();
                notApplied(u.getKey(), "TRYAGAIN Raft leader changed, the write was not applied");
            }
        }
    }

    /**
     * This member's replica leaves the group (moved to another node): no entry will apply here
     * any more, so every write still waiting counts as undecided from now, and its client hears
     * the outcome is unknown once {@link #expireUndecided} finds it past the bound, instead of
     * waiting for ever.
     */
    public void leaving(long nowMs) {
        for (long seq : proposed.keySet()) undecided.putIfAbsent(seq, new long[] {Long.MAX_VALUE, nowMs});
        for (long seq : pipelined.keySet()) undecided.putIfAbsent(seq, new long[] {Long.MAX_VALUE, nowMs});
    }

    /** Whether a client still waits for an entry of its own here. */
    public boolean awaitsAny() {
        return !proposed.isEmpty() || !pipelined.isEmpty();
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
            case LogEntry.EVICT -> {
                RaftEviction.apply(engine, e);
                pipeline.propagate();
            }
            case LogEntry.WRITE -> write(e);
            case LogEntry.BATCH -> {
                for (LogEntry w : e.writes()) write(w);
            }
            default -> { }
        }
    }

    private void write(LogEntry e) {
        engine.pinTime(e.timeMs());
        engine.reseed(e.seed());
        try {
            Client c = null;
            if (e.origin().equals(module.id()) && pipelined.containsKey(e.seq())) {
                undecided.remove(e.seq());
                deliver(e.seq(), runForReply(e, pipelined.get(e.seq()).resp()));
                return;
            }
            if (e.origin().equals(module.id())) {
                c = proposed.remove(e.seq());
                undecided.remove(e.seq());
            }
            // Every member decides alike whether the EXEC's WATCHed keys changed since its client saw them.
            boolean watchesHold = watchVersions.unchanged(engine, e.watches());
            List<byte[][]> commands = e.commands();
            if (c != null && blocking != null && blocking.isWaiting(c)) {
                blocking.serve(c, commands.get(0));
            } else if (c != null && c.blocked) {
                if (c.multi) {
                    // The entry's versions decide, not this member's own watch flags (which the other members lack).
                    engine.unwatchAll(c);
                    c.dirtyCas = !watchesHold;
                } else {
                    c.argv = commands.get(0);
                    c.argc = c.argv.length;
                    if (c.cmd.fullName.equals("evalsha") && RaftScripts.is(c.argv[0], "eval")) c.cmd = engine.commands.lookup(c.argv[0]);
                }
                Object parked = c.blockingState;
                pipeline.call(c);
                pipeline.propagate();
                // A blocking command that found nothing: its client waits on its keys here.
                if (c.blockingState != parked && blocking != null) blocking.blocked(c, commands.get(0));
                else pipeline.unpark(c);
            } else if (watchesHold) {
                Client a = applier();
                a.db = engine.db(e.db());
                if (commands.size() == 1 && !e.atomic()) {
                    run(a, commands.get(0));
                } else {
                    run(a, MULTI);
                    for (byte[][] argv : commands) run(a, argv);
                    run(a, EXEC);
                }
            }
            if (watchesHold) scripts.applied(commands);
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

    /**
     * Runs a pipelined write as the obeyed client (its own client may be running later
     * commands, in another db, by now) and returns the reply in the client's protocol.
     */
    private byte[] runForReply(LogEntry e, int resp) {
        Client a = applier();
        a.db = engine.db(e.db());
        a.setResp(resp);
        byte[][] argv = e.commands().get(0);
        a.argv = argv;
        a.argc = argv.length;
        pipeline.process(a);
        byte[] reply = io.netty.buffer.ByteBufUtil.getBytes(a.writer().target());
        a.writer().target().clear();
        a.setResp(2);
        return reply;
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
            // A blocking command answers as on a timeout: only the member whose client sent it waits.
            applier.denyBlocking = true;
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
