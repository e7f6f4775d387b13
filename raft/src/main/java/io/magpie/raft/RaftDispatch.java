package io.magpie.raft;

import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.engine.dispatch.TopologyGuard;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;

/**
 * The group's three dispatch ports. The topology guard sends a client of a follower to the
 * leader (MOVED with the leader's client address), or lets it through when the follower
 * forwards; with no leader it answers CLUSTERDOWN, during an election TRYAGAIN. The write path
 * proposes a write unit as one log entry and parks the client until the entry applies here.
 * The read path parks a keyspace read until a ReadIndex round (or the leader's lease) confirms
 * this leader has applied everything committed before the read arrived.
 */
public final class RaftDispatch {
    /** Commands that would block the applying client of every member (served later by a write of another). */
    private static final Set<String> BLOCKING = Set.of("blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin",
            "bzpopmax", "bzmpop");
    /** Not flagged write, but they write through the script they run: each is a write unit of its own. */
    private static final Set<String> SCRIPTS = Set.of("eval", "evalsha", "fcall");
    /**
     * SCRIPT LOAD is not replicated, so a script cached here may be unknown to the other members:
     * EVALSHA answers NOSCRIPT and clients (Jedis, Redisson, redis-py) fall back to EVAL.
     */
    private static final String NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";

    /**
     * A group a write or a keyed read goes to once routed: the one group of Raft mode, or the
     * data group owning the keys' slot in sharded mode (which shares these paths).
     */
    public interface Target {
        RaftApply apply();

        CompletableFuture<RaftClientReply> propose(LogEntry entry);

        CompletableFuture<RaftClientReply> confirmRead();

        long term();
    }

    private final RaftModule module;
    private final Engine engine;
    private final RaftApply apply;
    private final Target group = new Target() {
        @Override public RaftApply apply() {
            return apply;
        }

        @Override public CompletableFuture<RaftClientReply> propose(LogEntry entry) {
            return module.node().propose(entry);
        }

        @Override public CompletableFuture<RaftClientReply> confirmRead() {
            return module.node().confirmRead();
        }

        @Override public long term() {
            return module.node().term();
        }
    };

    RaftDispatch(RaftModule module, Engine engine, RaftApply apply) {
        this.module = module;
        this.engine = engine;
        this.apply = apply;
    }

    /* ---------------- topology ---------------- */

    String check(Client c, RedisCommand cmd, KeyReferences keys) {
        if (staleReadAllowed(c, cmd)) return null;
        String refusal = notServingHere();
        if (refusal == null) return null;
        if (refusal.isEmpty()) return null; // a forwarding follower: the paths forward it
        int slot = keys.count() > 0 ? TopologyGuard.slot(c, keys, 0) : 0;
        return refusal.startsWith("MOVED") ? "MOVED " + slot + refusal.substring("MOVED".length()) : refusal;
    }

    /**
     * Null when this member serves now (a ready leader); "" when it forwards to the leader;
     * "MOVED host:port" (the slot to be put in) for a follower; else the error.
     */
    private String notServingHere() {
        RaftNode n = module.node();
        if (n == null) return "CLUSTERDOWN No raft leader";
        if (n.isLeader()) return n.isLeaderReady() ? null : "TRYAGAIN Raft leader is not ready yet";
        String leader = n.leaderId();
        if (leader == null) return "candidate".equals(n.role()) ? "TRYAGAIN Raft election in progress" : "CLUSTERDOWN No raft leader";
        String address = module.clientAddresses.get(leader);
        if (address == null) return "TRYAGAIN Raft leader address not known yet";
        if (module.config().followerProxy.value()) return "";
        return "MOVED " + address;
    }

    /** A refusal as a reply (for commands the guard is not asked about: no keys). */
    private boolean refuseOrForward(Client c, CommandPipeline pipeline) {
        String refusal = notServingHere();
        if (refusal == null) return false;
        if (refusal.isEmpty()) {
            forward(c, pipeline);
            return true;
        }
        c.writer().error(refusal.startsWith("MOVED") ? "MOVED 0" + refusal.substring("MOVED".length()) : refusal);
        if (c.multi) engine.discardTransaction(c);
        return true;
    }

    /* ---------------- writes ---------------- */

    void write(Client c, CommandPipeline pipeline) {
        if (refuseOrForward(c, pipeline)) return;
        write(c, pipeline, engine, module.config().id.value(), group, module::mainLoopExecute);
    }

    /** The write path once routed to target: one entry proposed, the client parked until it applies here. */
    public static void write(Client c, CommandPipeline pipeline, Engine engine, String memberId, Target target, Executor mainLoop) {
        RaftApply apply = target.apply();
        boolean exec = c.multi;
        if (exec && c.dirtyCas) {
            pipeline.call(c); // a WATCHed key changed: the EXEC aborts here and writes nothing
            return;
        }
        if (callsEvalsha(c)) {
            if (exec) engine.discardTransaction(c);
            c.writer().error(exec ? "EXECABORT Transaction discarded because of: " + NOSCRIPT : NOSCRIPT);
            return;
        }
        if (!exec && BLOCKING.contains(c.cmd.fullName)) {
            c.writer().error("ERR blocking commands are not served by a raft group yet; use the non-blocking form");
            return;
        }
        List<byte[][]> commands;
        if (exec) {
            commands = new ArrayList<>(c.multiQueue);
        } else {
            commands = List.<byte[][]>of(Arrays.copyOf(c.argv, c.argc));
        }
        long seq = apply.park(c);
        LogEntry entry = LogEntry.write(memberId, seq, c.db.id, engine.now(),
                ThreadLocalRandom.current().nextLong(), exec, commands);
        target.propose(entry).whenComplete((reply, error) -> {
            String failure = failure(reply, error);
            if (failure == null) return;
            if (refusedBeforeAppend(reply, error)) {
                mainLoop.execute(() -> apply.fail(seq, failure));
            } else {
                // The entry may be in the followers' logs: the next leader may commit it.
                long termBound = target.term();
                mainLoop.execute(() -> apply.undecided(seq, termBound, engine.now()));
            }
        });
    }

    /** The leader refused the request before appending it (not ready yet): it can never apply. */
    private static boolean refusedBeforeAppend(RaftClientReply reply, Throwable error) {
        return error == null && reply.getException() instanceof LeaderNotReadyException;
    }

    /** Null when the request succeeded, else the error reply for the client. */
    private static String failure(RaftClientReply reply, Throwable error) {
        if (error != null) return "TRYAGAIN Raft request failed: " + error.getMessage();
        if (reply.isSuccess()) return null;
        if (reply.getNotLeaderException() != null) return "TRYAGAIN Raft leader changed, the write may or may not have applied";
        Throwable e = reply.getException();
        if (e instanceof LeaderNotReadyException) return "TRYAGAIN Raft leader is not ready yet";
        if (e instanceof NotLeaderException) return "TRYAGAIN Raft leader changed";
        return "TRYAGAIN Raft request failed: " + (e == null ? "unknown" : e.getMessage());
    }

    /* ---------------- reads ---------------- */

    boolean read(Client c, RedisCommand cmd, CommandPipeline pipeline) {
        if (writesThroughScript(c, cmd)) {
            write(c, pipeline);
            return true;
        }
        if (!cmd.readonly && !c.multi) return false;
        if (staleReadAllowed(c, cmd)) return false;
        if (refuseOrForward(c, pipeline)) return true;
        read(c, pipeline, engine, group, module::mainLoopExecute);
        return true;
    }

    /** The read path once routed to target: the client parked until a ReadIndex round confirms the leader. */
    public static void read(Client c, CommandPipeline pipeline, Engine engine, Target target, Executor mainLoop) {
        pipeline.park(c);
        target.confirmRead().whenComplete((reply, error) -> {
            String failure = failure(reply, error);
            mainLoop.execute(() -> {
                if (!c.blocked) return;
                if (failure == null) {
                    pipeline.call(c);
                    pipeline.propagate();
                } else {
                    if (c.multi) engine.discardTransaction(c);
                    c.writer().error(failure);
                }
                pipeline.unpark(c);
            });
        });
    }

    private static boolean callsEvalsha(Client c) {
        if (!c.multi) return c.cmd.fullName.equals("evalsha");
        for (RedisCommand q : c.multiCommands) if (q.fullName.equals("evalsha")) return true;
        return false;
    }

    /** A READONLY connection to a follower reads the follower's own keyspace, as a cluster replica serves it. */
    private boolean staleReadAllowed(Client c, RedisCommand cmd) {
        RaftNode n = module.node();
        return c.readonlyMode && cmd.readonly && !c.multi && n != null && !n.isLeader();
    }

    public static boolean writesThroughScript(Client c, RedisCommand cmd) {
        if (SCRIPTS.contains(cmd.fullName)) return true;
        if (!c.multi) return false;
        for (RedisCommand q : c.multiCommands) if (SCRIPTS.contains(q.fullName)) return true;
        return false;
    }

    /* ---------------- forwarding ---------------- */

    private void forward(Client c, CommandPipeline pipeline) {
        String leader = module.node().leaderId();
        String address = leader == null ? null : module.clientAddresses.get(leader);
        if (address == null) {
            c.writer().error("TRYAGAIN Raft leader address not known yet");
            return;
        }
        List<byte[][]> commands = new ArrayList<>();
        if (c.multi) {
            commands.add(new byte[][] {"MULTI".getBytes(StandardCharsets.US_ASCII)});
            commands.addAll(c.multiQueue);
        }
        commands.add(Arrays.copyOf(c.argv, c.argc));
        byte[][] select = {"SELECT".getBytes(StandardCharsets.US_ASCII), Integer.toString(c.db.id).getBytes(StandardCharsets.US_ASCII)};
        commands.add(0, select);
        pipeline.park(c);
        module.forwarder().forward(address, commands, reply -> module.mainLoopExecute(() -> {
            if (!c.blocked) return;
            if (c.multi) engine.discardTransaction(c);
            c.writer().raw(reply);
            pipeline.unpark(c);
        }));
    }
}
