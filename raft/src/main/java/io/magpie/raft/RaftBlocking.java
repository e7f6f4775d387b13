package io.magpie.raft;

import io.magpie.engine.Blocking;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Blocking commands in a Raft group (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, XREADGROUP BLOCK...).
 * The command is one entry like any write: every member applies it, the other members with an
 * applying client that may not block (it answers as on a timeout and writes nothing), the
 * member whose client sent it for real: if it pops, its client has the reply; if it finds
 * nothing, the client blocks on its keys here. A write that later makes a key ready does not
 * serve it locally (a member popping on its own would diverge from the others): the leader
 * proposes the client's command again, and the pop happens when that entry applies, on every
 * member alike. If another client took the element first, the entry finds nothing and the
 * client keeps waiting. Timeouts are Redis's, kept while a serving entry is in flight (its
 * outcome decides). XREAD BLOCK writes nothing and is served here as in a standalone server.
 * One per group: the single group's is the engine's gate; a sharded node's gate asks each of
 * its data groups' (a blocking command's keys share one slot, so one group).
 */
public final class RaftBlocking implements Blocking.Gate {
    private static final String STATE_CHANGED = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";

    /** A client blocked on keys here: its blocking state (to tell a later one apart) and its command. */
    private record Waiting(Object state, byte[][] argv) {}

    private final Engine engine;
    private final CommandPipeline pipeline;
    private final RaftApply apply;
    /** This member leads the group, ready: it may propose the entries that serve its waiters. */
    private final BooleanSupplier leading;
    private final RaftDispatch.Target group;
    private final String memberId;
    private final Executor mainLoop;
    private final Map<Client, Waiting> waiting = new LinkedHashMap<>();
    /** Clients whose serving entry is proposed and not applied yet. */
    private final Set<Client> inFlight = new HashSet<>();

    /** The blocking commands of group (the single group, or one sharded data group), whose entries apply through its RaftApply. */
    public RaftBlocking(Engine engine, CommandPipeline pipeline, RaftDispatch.Target group, BooleanSupplier leading, String memberId,
            Executor mainLoop) {
        this.engine = engine;
        this.pipeline = pipeline;
        this.group = group;
        this.apply = group.apply();
        this.leading = leading;
        this.memberId = memberId;
        this.mainLoop = mainLoop;
    }

    /** This member's client applied its blocking command and blocked on its keys. */
    void blocked(Client c, byte[][] argv) {
        waiting.put(c, new Waiting(c.blockingState, argv));
    }

    /** Whether c waits on keys here (its blocking command applied and found nothing). */
    boolean isWaiting(Client c) {
        Waiting w = waiting.get(c);
        if (w == null) return false;
        if (c.blocked && c.blockingState == w.state()) return true;
        waiting.remove(c); // timed out, unblocked or disconnected since
        inFlight.remove(c);
        return false;
    }

    /** A proposal of c's failed: it got an error and was unblocked. */
    void forget(Client c) {
        waiting.remove(c);
        inFlight.remove(c);
    }

    @Override
    public boolean serveElsewhere(Client c) {
        if (c.cmd == null || !c.cmd.write) return false; // XREAD: a read, served here
        if (!isWaiting(c)) return false;
        // A member that no longer leads serves nobody: its cron unblocks the client.
        if (leading.getAsBoolean() && inFlight.add(c)) RaftDispatch.proposeServe(c, waiting.get(c).argv(), engine, memberId, group, mainLoop);
        return true;
    }

    /**
     * A client whose entry is proposed and not applied (a write, or a pop that serves a waiter)
     * neither times out nor yields to CLIENT UNBLOCK: the entry will apply on every member
     * whatever this one does, and its effect (a popped element) must reach the client.
     */
    @Override
    public boolean holdTimeout(Client c) {
        return apply.awaitsEntry(c);
    }

    /**
     * The entry that serves waiting client c applies here: its command runs again, without
     * blocking. A pop answers the client and ends its wait; nothing to pop, and it waits on
     * (the reply "as on a timeout" is swallowed), or times out now if its deadline passed.
     */
    void serve(Client c, byte[][] argv) {
        inFlight.remove(c);
        c.argv = argv;
        c.argc = argv.length;
        boolean swallowed = c.repliesSuppressed(); // CLIENT REPLY OFF: nothing to pass on anyway
        if (!swallowed) c.suppressReplies(true);
        c.denyBlocking = true;
        c.blockDenied = false;
        byte[] reply;
        try {
            pipeline.call(c);
        } finally {
            c.denyBlocking = false;
            ByteBuf out = c.writer().target();
            reply = swallowed ? null : ByteBufUtil.getBytes(out);
            if (!swallowed) c.suppressReplies(false);
        }
        pipeline.propagate();
        if (c.blockDenied) return; // still waiting: its deadline is checked by the cron as before
        waiting.remove(c);
        if (reply != null) c.writer().raw(reply);
        pipeline.unpark(c);
    }

    /** A member that no longer leads cannot serve its waiting clients: as a Redis master turned replica, it unblocks them. */
    public void cron(boolean leading) {
        if (leading || waiting.isEmpty()) return;
        for (Client c : new ArrayList<>(waiting.keySet())) {
            if (!isWaiting(c) || inFlight.contains(c)) continue;
            waiting.remove(c);
            c.writer().error(STATE_CHANGED);
            engine.blocking.unblock(c);
        }
    }
}
