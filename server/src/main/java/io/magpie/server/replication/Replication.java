package io.magpie.server.replication;

import io.magpie.engine.Blocking;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.WriteStream;
import io.magpie.engine.WriteUnit;
import io.magpie.server.ClientSession;
import io.magpie.server.Log;
import io.magpie.server.OutputBufferLimit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Master–replica replication of one node (Redis's replication.c), on the keyspace thread.
 *
 * <p>As a master it turns the engine's {@link WriteStream} into the RESP replication stream
 * (with SELECT where the db changes), keeps the last repl-backlog-size bytes for partial
 * resyncs, and ships each event-loop turn's bytes to its online replicas in one write. A
 * replica asking for a full sync gets a fork-free snapshot ({@link FullSync}) and the
 * stream written meanwhile right after it.
 *
 * <p>As a replica ({@link MasterLink}) it applies its master's stream and forwards exactly
 * the bytes it applied to its own backlog and sub-replicas, so a chain shares one
 * replication id and one offset space.
 */
public final class Replication implements WriteStream.UnitListener {
    static final String NULL_REPLID = ReplicationId.NULL_REPLID;

    final ReplicationHost server;
    final Engine engine;
    final ReplicationConfig config;

    /** replid, replid2, master_repl_offset, second_repl_offset. */
    final ReplicationId id = new ReplicationId();
    ReplicationBacklog backlog;
    private long noReplicasSinceMs = System.currentTimeMillis();

    final List<ReplicaConnection> replicas = new ArrayList<>();
    /** Stream bytes of this event-loop turn, not yet handed to replicas and backlog. */
    private ByteBuf outgoing;
    /** The stream as RESP; its selected db is server.slaveseldb (reselect() forces a SELECT before the next write). */
    private final io.magpie.engine.StreamEncoder encoder = new io.magpie.engine.StreamEncoder();
    private boolean flushScheduled;
    private boolean getAckRequested;
    FullSync sync;
    MasterLink link;
    private final Set<Client> waitingForAcks = new LinkedHashSet<>();
    private int cronLoops;

    /** FAILOVER, the coordinated handover to a replica. */
    final Failover failover = new Failover(this);

    long statSyncFull, statSyncPartialOk, statSyncPartialErr;
    long statNetReplInputBytes, statNetReplOutputBytes;

    public Replication(ReplicationHost server) {
        this.server = server;
        this.engine = server.engine();
        this.config = new ReplicationConfig(server.registry());
        engine.writes.addListener(this, WriteUnit.REPLICA);
        config.replBacklogSize.onChange(() -> {
            if (backlog != null) backlog.resize(backlogSize());
        });
        ReplicationCommands.register(this);
        server.persistence().setReplicationInfo(this::saveInfo);
        engine.pipeline().setReplicationState(dispatchState());
    }

    /** What dispatch's NOREPLICAS, READONLY and MASTERDOWN stages read. */
    private io.magpie.engine.dispatch.ReplicationState dispatchState() {
        return new io.magpie.engine.dispatch.ReplicationState() {
            @Override public boolean isReplica() {
                return link != null;
            }

            @Override public boolean replicaReadOnly() {
                return config.replicaReadOnly.value();
            }

            @Override public boolean masterLinkUp() {
                return link != null && link.connected();
            }

            @Override public boolean serveStaleData() {
                return config.replicaServeStaleData.value();
            }

            @Override public boolean enoughGoodReplicas() {
                return link != null || config.minReplicasToWrite.value() == 0 || config.minReplicasMaxLag.value() == 0
                        || goodReplicas() >= config.minReplicasToWrite.value();
            }
        };
    }

    /** 40 random hex characters: run ids, replication ids, the EOF mark of a diskless transfer. */
    public static String randomId() {
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder(40);
        for (int i = 0; i < 40; i++) sb.append("0123456789abcdef".charAt(r.nextInt(16)));
        return sb.toString();
    }

    /** The role was decided: by {@link #start} (the config file's replicaof), or by a command before it ran. */
    private boolean roleSet;

    public ReplicationConfig config() {
        return config;
    }

    /**
     * Called once the server listens. An RDB that carried replication info gives back our
     * id and offset (a restarted master keeps serving partial resyncs; a restarted replica
     * asks for one); then the master named in the config file is connected.
     */
    public void start() {
        // The server accepts connections before this task runs on the keyspace thread, and Netty
        // reads a client's command before it runs queued tasks: a REPLICAOF sent at once (as tests
        // and scripts do) may come first. Its role stands; a second link to the master it set
        // would apply the stream twice (CI: a replica's offset at twice its master's).
        if (roleSet) return;
        roleSet = true;
        var aux = server.persistence().startupAux();
        boolean restored = false;
        if (aux.containsKey("repl-id") && aux.containsKey("repl-offset")) {
            try {
                long offset = Long.parseLong(aux.get("repl-offset"));
                id.adopt(aux.get("repl-id"), offset);
                restored = true;
            } catch (NumberFormatException e) {
                Log.warning("Ignoring the replication info of the RDB file: bad repl-offset");
            }
        }
        if (config.replicaof.host() != null) {
            Log.setRole('S');
            engine.setReplica(true);
            link = new MasterLink(this, config.replicaof.host(), config.replicaof.port(), restored, false);
            if (restored) {
                try {
                    link.restoreStreamDb(Integer.parseInt(aux.getOrDefault("repl-stream-db", "0")));
                } catch (NumberFormatException ignored) {
                    // db 0, as Redis assumes without the field
                }
            }
            link.connect();
        } else if (restored) {
            createBacklog();
        }
    }

    /**
     * The replication info of a full sync's RDB. A master SELECTs again after it (its
     * selected db was reset); a replica forwards its master's stream, which will not, so the
     * sub-replica must start in the db that stream has selected.
     */
    io.magpie.persistence.Persistence.ReplicationInfo syncInfo() {
        return new io.magpie.persistence.Persistence.ReplicationInfo(id.replid(), id.offset(), link != null ? link.streamDb() : 0);
    }

    /** rdbPopulateSaveInfo: what an RDB saved now must remember of replication, or null. */
    private io.magpie.persistence.Persistence.ReplicationInfo saveInfo() {
        if (link != null) {
            if (!link.connected() && !link.hasCachedMaster()) return null;
            return new io.magpie.persistence.Persistence.ReplicationInfo(id.replid(), id.offset(), link.streamDb());
        }
        if (backlog == null) return null;
        flushOutgoing();
        return new io.magpie.persistence.Persistence.ReplicationInfo(id.replid(), id.offset(), Math.max(0, encoder.selectedDb()));
    }

    public int replicaCount() {
        return replicas.size();
    }

    /** The client applying the master's stream on a connected replica, or null. */
    public Client masterClient() {
        return link == null ? null : link.masterClient();
    }

    public boolean isReplica() {
        return link != null;
    }

    public long masterReplOffset() {
        return id.offset();
    }

    /** Whether a replica's link to its master is up (connected and synchronized). */
    public boolean masterLinkUp() {
        return link != null && link.connected();
    }

    /**
     * Cluster mode's replicationSetMaster: the cluster, not REPLICAOF, names the master. Nothing
     * happens when this master is already the one replicated from.
     */
    public void setMaster(String host, int port) {
        if (link != null && link.host.equalsIgnoreCase(host) && link.port == port) return;
        becomeReplicaOf(host, port, link == null);
    }

    /** Cluster mode's replicationUnsetMaster, after a failover promoted this replica. */
    public void unsetMaster() {
        becomeMaster();
    }

    int backlogSize() {
        return (int) Math.min(Integer.MAX_VALUE - 8, config.replBacklogSize.value());
    }

    /* ---------------- replication ids (changeReplicationId, shiftReplicationId) ---------------- */

    void changeReplicationId() {
        id.change();
    }

    /** DEBUG CHANGE-REPL-ID: a new replid and no secondary one. */
    public void debugChangeReplicationId() {
        changeReplicationId();
        clearReplicationId2();
    }

    void clearReplicationId2() {
        id.clearSecond();
    }

    /** A replica becomes master: its old id stays valid up to the current offset, for its former siblings. */
    void shiftReplicationId() {
        id.shift(randomId());
        Log.notice("Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is %s",
                id.replid2(), id.secondOffset(), id.replid());
    }

    void createBacklog() {
        backlog = new ReplicationBacklog(backlogSize(), id.offset());
    }

    /* ---------------- the stream (replicationFeedSlaves) ---------------- */

    @Override
    public void onUnit(WriteUnit unit) {
        // A replica forwards its master's bytes instead; its own writes stay local (Redis 4.0+).
        if (link != null) return;
        if (backlog == null && replicas.isEmpty()) return;
        ByteBuf out = outgoing();
        int before = out.writerIndex();
        encoder.unit(unit, out);
        id.advance(out.writerIndex() - before);
    }

    /** A command of the stream that selects no db (PING, REPLCONF GETACK). */
    void feedWithoutSelect(byte[][] argv) {
        if (link != null || (backlog == null && replicas.isEmpty())) return;
        ByteBuf out = outgoing();
        int before = out.writerIndex();
        encoder.commandWithoutSelect(argv, out);
        id.advance(out.writerIndex() - before);
    }

    /** Bytes a replica applied from its master, forwarded verbatim (replicationFeedStreamFromMasterStream). */
    void feedFromMasterStream(ByteBuf buf, int from, int len) {
        if (len == 0) return;
        if (backlog == null) createBacklog();
        outgoing().writeBytes(buf, from, len);
        id.advance(len);
    }

    private ByteBuf outgoing() {
        if (outgoing == null) outgoing = PooledByteBufAllocator.DEFAULT.buffer(4096);
        if (!flushScheduled) {
            flushScheduled = true;
            // Runs after the commands of this event-loop turn: one write per replica per turn.
            server.mainLoop().execute(this::flushOutgoing);
        }
        return outgoing;
    }

    /** Hands the turn's stream to the backlog and the replicas (beforeSleep's share of replication). */
    void flushOutgoing() {
        flushScheduled = true; // what is fed below must not schedule another flush
        if (getAckRequested) {
            getAckRequested = false;
            feedWithoutSelect(GETACK);
        }
        flushScheduled = false;
        ByteBuf out = outgoing;
        if (out == null || !out.isReadable()) return;
        outgoing = null;
        if (backlog == null) createBacklog();
        backlog.append(out);
        for (ReplicaConnection r : new ArrayList<>(replicas)) {
            switch (r.state) {
                case WAIT_BGSAVE_START -> { /* it gets the snapshot taken when its sync starts */ }
                case WAIT_BGSAVE_END, SEND_BULK -> r.queue(out);
                case ONLINE -> {
                    if (r.streamOnAck) {
                        r.queue(out);
                    } else {
                        r.session.channel().writeAndFlush(out.retainedDuplicate(), r.session.channel().voidPromise());
                    }
                }
            }
            statNetReplOutputBytes += out.readableBytes();
            checkOutputLimit(r);
        }
        out.release();
    }

    private static final byte[][] GETACK = {"REPLCONF".getBytes(), "GETACK".getBytes(), "*".getBytes()};

    /** client-output-buffer-limit replica: a replica that cannot keep up is dropped, not buffered forever. */
    void checkOutputLimit(ReplicaConnection r) {
        OutputBufferLimit limits = server.clientOutputBufferLimit();
        long hard = limits.hard[1], soft = limits.soft[1];
        long used = r.outputBytes();
        boolean over = hard > 0 && used >= hard;
        if (!over && soft > 0 && used >= soft) {
            if (r.softLimitSinceMs == 0) r.softLimitSinceMs = engine.now();
            else over = (engine.now() - r.softLimitSinceMs) / 1000 >= limits.softSeconds[1];
        } else if (soft == 0 || used < soft) {
            r.softLimitSinceMs = 0;
        }
        if (over) {
            Log.warning("Client %s closed for overcoming of output buffer limits.", server.clientInfo(r.client));
            engine.stats.clientOutbufLimitDisconnections++;
            r.session.closeNow();
        }
    }

    /* ---------------- PSYNC on the master side ---------------- */

    /** The replica-to-be's REPLCONF facts, kept until PSYNC makes it a replica. */
    ReplicaConnection handshakeState(Client c) {
        if (c.replicationState instanceof ReplicaConnection r) return r;
        ReplicaConnection r = new ReplicaConnection(c, (ClientSession) c.conn);
        c.replicationState = r;
        return r;
    }

    /** PSYNC replid offset, or SYNC (syncCommand). */
    void syncCommand(Client c, boolean psync) {
        if (c.replica) return;
        if (!(c.conn instanceof ClientSession)) return;
        if (psync && c.argc > 3 && c.argIs(3, "failover")) {
            // Our master hands over (FAILOVER): take its place only if we hold exactly its history.
            if (link == null) {
                c.addReplyError("ERR PSYNC FAILOVER can't be sent to a master.");
                return;
            }
            if (!c.argString(1).equals(id.replid())) {
                c.addReplyError("ERR PSYNC FAILOVER replid must match my replid.");
                return;
            }
            Log.warning("Failover request received for replid %s.", id.replid());
            becomeMaster();
            Log.notice("MASTER MODE enabled (failover request from '%s')",
                    server.clientInfo(c));
        }
        if (failover.inProgress()) {
            c.addReplyError("NOMASTERLINK Can't SYNC while failing over");
            return;
        }
        if (link != null && !link.connected()) {
            c.addReplyError("NOMASTERLINK Can't SYNC while not connected with my master");
            return;
        }
        ReplicaConnection r = handshakeState(c);
        r.oldSync = !psync;
        Log.notice("Replica %s asks for synchronization", r.name());
        flushOutgoing();
        if (psync) {
            String askedId = c.argString(1);
            long askedOffset;
            try {
                askedOffset = Long.parseLong(c.argString(2));
            } catch (NumberFormatException e) {
                c.addReplyError("ERR value is not an integer or out of range");
                return;
            }
            if (tryPartialResync(r, askedId, askedOffset)) {
                statSyncPartialOk++;
                return;
            }
            if (!askedId.equals("?")) statSyncPartialErr++;
        }
        statSyncFull++;
        attach(r, ReplicaConnection.State.WAIT_BGSAVE_START);
        r.waitStartMs = engine.now();
        if (backlog == null) {
            changeReplicationId();
            clearReplicationId2();
            createBacklog();
            Log.notice("Replication backlog created, my new replication IDs are '%s' and '%s'", id.replid(), id.replid2());
        }
        if (sync != null || server.persistence().bgsaveInProgress() || server.persistence().aof().rewriteInProgress()) {
            Log.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
        } else if (disklessFor(List.of(r)) && config.replDisklessSyncDelay.value() > 0) {
            Log.notice("Delay next BGSAVE for diskless SYNC");
        } else {
            startFullSync();
        }
    }

    private void attach(ReplicaConnection r, ReplicaConnection.State state) {
        r.state = state;
        r.ackTimeMs = engine.now();
        r.client.replica = true;
        // Replicas get the stream, never replies (REPLCONF ACK has none anyway).
        r.client.suppressReplies(true);
        replicas.add(r);
    }

    /** masterTryPartialResynchronization. */
    private boolean tryPartialResync(ReplicaConnection r, String askedId, long askedOffset) {
        if (!id.continues(askedId, askedOffset)) {
            if (askedId.equals("?")) {
                Log.notice("Full resync requested by replica %s", r.name());
            } else if (!askedId.equals(id.replid2())) {
                Log.notice("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my "
                        + "replication IDs are '%s' and '%s')", askedId, id.replid(), id.replid2());
            } else {
                Log.notice("Partial resynchronization not accepted: Requested offset for second ID was %d, but I can "
                        + "reply up to %d", askedOffset, id.secondOffset());
            }
            return false;
        }
        if (backlog == null || !backlog.covers(askedOffset)) {
            Log.notice("Unable to partial resync with replica %s for lack of backlog (Replica request was: %d).",
                    r.name(), askedOffset);
            if (askedOffset > id.offset()) {
                Log.warning("Warning: replica %s tried to PSYNC with an offset that is greater than the master "
                        + "replication offset.", r.name());
            }
            return false;
        }
        attach(r, ReplicaConnection.State.ONLINE);
        ByteBuf data = backlog.copyFrom(askedOffset);
        int n = data.readableBytes();
        r.session.writeDirect(ascii(r.capaPsync2 ? "+CONTINUE " + id.replid() + "\r\n" : "+CONTINUE\r\n"));
        r.session.writeDirect(data);
        statNetReplOutputBytes += n;
        Log.notice("Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from "
                + "offset %d.", r.name(), n, askedOffset);
        return true;
    }

    static ByteBuf ascii(String s) {
        return io.netty.buffer.Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    /** Diskless when configured and every replica in the batch can read the EOF-marker form. */
    boolean disklessFor(List<ReplicaConnection> batch) {
        if (!config.replDisklessSync.value()) return false;
        for (ReplicaConnection r : batch) if (!r.capaEof) return false;
        return true;
    }

    /** startBgsaveForReplication: one snapshot for every replica waiting for one. */
    void startFullSync() {
        flushOutgoing();
        List<ReplicaConnection> batch = new ArrayList<>();
        for (ReplicaConnection r : replicas) if (r.state == ReplicaConnection.State.WAIT_BGSAVE_START) batch.add(r);
        if (batch.isEmpty()) return;
        boolean diskless = disklessFor(batch);
        Log.notice("Starting BGSAVE for SYNC with target: %s", diskless ? "replicas sockets" : "disk");
        for (ReplicaConnection r : batch) {
            r.psyncInitialOffset = id.offset();
            r.state = ReplicaConnection.State.WAIT_BGSAVE_END;
            if (!r.oldSync) r.session.writeDirect(ascii("+FULLRESYNC " + id.replid() + " " + id.offset() + "\r\n"));
        }
        // The snapshot is the dataset at this instant; the next write must say which db it is in.
        encoder.reselect();
        try {
            sync = diskless ? new FullSync.Diskless(this, batch) : new FullSync.Disk(this, batch);
            sync.start();
        } catch (RuntimeException | java.io.IOException e) {
            Log.warning("BGSAVE for replication failed: %s", e.getMessage());
            sync = null;
            for (ReplicaConnection r : batch) r.session.closeNow();
        }
    }

    /** The snapshot of a full sync ended (or was abandoned). */
    void fullSyncEnded(FullSync s) {
        if (sync == s) sync = null;
    }

    /* ---------------- acknowledgements and WAIT ---------------- */

    /** REPLCONF ACK offset from a replica. */
    void ack(Client c, long offset) {
        if (!(c.replicationState instanceof ReplicaConnection r) || !c.replica) return;
        if (offset > r.ackOffset) r.ackOffset = offset;
        r.ackTimeMs = engine.now();
        if (r.streamOnAck && r.state == ReplicaConnection.State.ONLINE) {
            r.streamOnAck = false;
            r.releasePending();
            Log.notice("Synchronization with replica %s succeeded", r.name());
        }
        if (!waitingForAcks.isEmpty()) serveWaiters();
        if (failover.waitingForSync()) failover.update();
    }

    int replicasAcked(long offset) {
        int n = 0;
        for (ReplicaConnection r : replicas) if (r.state == ReplicaConnection.State.ONLINE && r.ackOffset >= offset) n++;
        return n;
    }

    /** WAIT numreplicas timeout (waitCommand). */
    void waitCommand(Client c, long numReplicas, long timeoutAtMs) {
        long offset = c.woff;
        int acked = replicasAcked(offset);
        if (acked >= numReplicas || c.inExec) {
            c.addReplyLongLong(acked);
            return;
        }
        c.waitOffset = offset;
        c.waitNumReplicas = numReplicas;
        engine.blocking.block(c, c.db, new byte[0][], timeoutAtMs, new Blocking.Waiter() {
            @Override public boolean tryServe(Client cl, io.magpie.engine.keyspace.Database db, byte[] key) {
                return false;
            }

            @Override public void timeout(Client cl) {
                waitingForAcks.remove(cl);
                cl.addReplyLongLong(replicasAcked(cl.waitOffset));
            }
        });
        waitingForAcks.add(c);
        requestAck();
    }

    /** Asks every replica for an ACK at the end of this turn (server.get_ack_from_slaves). */
    void requestAck() {
        getAckRequested = true;
        outgoing();
    }

    private void serveWaiters() {
        for (Iterator<Client> it = waitingForAcks.iterator(); it.hasNext();) {
            Client c = it.next();
            if (!c.blocked) {
                it.remove();
                continue;
            }
            int acked = replicasAcked(c.waitOffset);
            if (acked >= c.waitNumReplicas) {
                it.remove();
                c.addReplyLongLong(acked);
                engine.blocking.unblock(c);
            }
        }
    }

    /** Replicas that acked within min-replicas-max-lag (refreshGoodSlavesCount). */
    int goodReplicas() {
        int n = 0;
        long now = engine.now();
        for (ReplicaConnection r : replicas) {
            if (r.state == ReplicaConnection.State.ONLINE && (now - r.ackTimeMs) / 1000 <= config.minReplicasMaxLag.value()) n++;
        }
        return n;
    }

    /* ---------------- connections ---------------- */

    /** A client connection closed: if it was a replica, forget it (freeClient's replica part). */
    public void clientClosed(Client c) {
        if (!(c.replicationState instanceof ReplicaConnection r)) return;
        c.replicationState = null;
        if (!replicas.remove(r)) return;
        r.dropPending();
        if (sync != null) sync.replicaGone(r);
        Log.notice("Connection with replica %s lost.", r.name());
        if (replicas.isEmpty()) noReplicasSinceMs = System.currentTimeMillis();
    }

    /** Closes every replica's connection, so they reconnect and learn a new id (disconnectSlaves). */
    void disconnectReplicas() {
        for (ReplicaConnection r : new ArrayList<>(replicas)) r.session.closeNow();
    }

    /* ---------------- role changes ---------------- */

    /**
     * REPLICAOF host port (replicationSetMaster): drop the current link (its state cached for
     * a partial resync), or as a master synthesize a cached master from our own id and offset,
     * then connect.
     */
    void becomeReplicaOf(String host, int port, boolean wasMaster) {
        roleSet = true;
        if (link != null) link.close(true);
        flushOutgoing();
        // A master always offers its own id and offset (replicationCacheMasterUsingMyself), as Redis does.
        boolean canContinue = wasMaster || (link != null && link.hasCachedMaster());
        if (wasMaster) {
            Log.notice("Before turning into a replica, using my own master parameters to synthesize a cached master: "
                    + "I may be able to synchronize with the new master with just a partial transfer.");
        }
        if (sync != null) sync.abort();
        config.replicaof.setMaster(host, port);
        engine.setReplica(true);
        Log.setRole('S');
        disconnectReplicas();
        // The cached master keeps its db: a +CONTINUE from the new master resumes without a SELECT.
        // A master's synthesized one starts in db 0 (its own stream selects after a role change).
        int cachedDb = !wasMaster && link != null ? link.streamDb() : 0;
        link = new MasterLink(this, host, port, canContinue,
                failover.handingOver());
        link.restoreStreamDb(cachedDb);
        link.connect();
    }

    /** REPLICAOF NO ONE (replicationUnsetMaster). */
    void becomeMaster() {
        roleSet = true;
        if (link == null) return;
        link.close(false);
        link = null;
        config.replicaof.setMaster(null, 0);
        shiftReplicationId();
        disconnectReplicas();
        engine.setReplica(false);
        Log.setRole('M');
        encoder.reselect();
        if (backlog == null) createBacklog();
        noReplicasSinceMs = System.currentTimeMillis();
    }

    /* ---------------- cron (replicationCron, once a second) ---------------- */

    public void cron() {
        cronLoops++;
        long now = engine.now();
        if (link != null) link.cron();
        failover.update();
        // No PINGs while failing over: the target must be able to match our offset exactly.
        if (link == null && !replicas.isEmpty() && !failover.inProgress()
                && cronLoops % Math.max(1, config.replPingReplicaPeriod.value()) == 0) {
            feedWithoutSelect(new byte[][] {"PING".getBytes(StandardCharsets.US_ASCII)});
        }
        // Replicas waiting for a snapshot get a newline a second so their sync does not time out.
        for (ReplicaConnection r : replicas) {
            boolean waitingDisk = r.state == ReplicaConnection.State.WAIT_BGSAVE_START
                    || (r.state == ReplicaConnection.State.WAIT_BGSAVE_END && sync instanceof FullSync.Disk);
            if (waitingDisk) r.session.writeDirect(ascii("\n"));
        }
        for (ReplicaConnection r : new ArrayList<>(replicas)) {
            if (r.state == ReplicaConnection.State.ONLINE && !r.oldSync
                    && (now - r.ackTimeMs) / 1000 > config.replTimeout.value()) {
                Log.warning("Disconnecting timedout replica (streaming sync): %s", r.name());
                r.session.closeNow();
            }
        }
        if (link == null && replicas.isEmpty() && backlog != null && config.replBacklogTtl.value() > 0
                && (System.currentTimeMillis() - noReplicasSinceMs) / 1000 > config.replBacklogTtl.value()) {
            // A later replica cannot continue from a freed backlog, so it must not believe it can.
            changeReplicationId();
            clearReplicationId2();
            backlog = null;
            Log.notice("Replication backlog freed after %d seconds without connected replicas.", config.replBacklogTtl.value());
        }
        startPendingFullSync(now);
        if (!waitingForAcks.isEmpty()) requestAck();
    }

    /** replicationStartPendingFork: start the snapshot the waiting replicas need, when allowed. */
    private void startPendingFullSync(long now) {
        if (sync != null || server.persistence().bgsaveInProgress() || server.persistence().aof().rewriteInProgress()) return;
        List<ReplicaConnection> waiting = new ArrayList<>();
        long maxIdle = 0;
        for (ReplicaConnection r : replicas) {
            if (r.state != ReplicaConnection.State.WAIT_BGSAVE_START) continue;
            waiting.add(r);
            maxIdle = Math.max(maxIdle, now - r.waitStartMs);
        }
        if (waiting.isEmpty()) return;
        long max = config.replDisklessSyncMaxReplicas.value();
        if (!disklessFor(waiting) || maxIdle >= config.replDisklessSyncDelay.value() * 1000
                || (max > 0 && waiting.size() >= max)) {
            startFullSync();
        }
    }

    /* ---------------- INFO replication and ROLE ---------------- */

    /** INFO's replication fields (without the section header), each line ending in CRLF. */
    public String infoFields() {
        flushPendingForReaders();
        StringBuilder sb = new StringBuilder();
        field(sb, "role", link == null ? "master" : "slave");
        if (link != null) link.info(sb);
        field(sb, "connected_slaves", replicas.size());
        if (config.minReplicasToWrite.value() > 0 && config.minReplicasMaxLag.value() > 0) {
            field(sb, "min_slaves_good_slaves", goodReplicas());
        }
        int i = 0;
        long now = engine.now();
        for (ReplicaConnection r : replicas) {
            long lag = r.state == ReplicaConnection.State.ONLINE ? (now - r.ackTimeMs) / 1000 : 0;
            sb.append("slave").append(i++).append(":ip=").append(r.ip()).append(",port=").append(r.listeningPort)
                    .append(",state=").append(r.stateName()).append(",offset=").append(r.ackOffset).append(",lag=")
                    .append(lag).append("\r\n");
        }
        field(sb, "master_failover_state", failover.stateName());
        field(sb, "master_replid", id.replid());
        field(sb, "master_replid2", id.replid2());
        field(sb, "master_repl_offset", id.offset());
        field(sb, "second_repl_offset", id.secondOffset());
        field(sb, "repl_backlog_active", backlog == null ? 0 : 1);
        field(sb, "repl_backlog_size", config.replBacklogSize.value());
        field(sb, "repl_backlog_first_byte_offset", backlog == null ? 0 : backlog.firstByteOffset());
        field(sb, "repl_backlog_histlen", backlog == null ? 0 : backlog.histlen());
        return sb.toString();
    }

    /** INFO and ROLE read the backlog: bytes of this turn belong in it already. */
    private void flushPendingForReaders() {
        flushOutgoing();
    }

    static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }

    void role(Client c) {
        if (link == null) {
            c.addReplyArrayLen(3);
            c.addReplyBulkString("master");
            c.addReplyLongLong(id.offset());
            List<ReplicaConnection> online = new ArrayList<>();
            for (ReplicaConnection r : replicas) if (r.state == ReplicaConnection.State.ONLINE) online.add(r);
            c.addReplyArrayLen(online.size());
            for (ReplicaConnection r : online) {
                c.addReplyArrayLen(3);
                c.addReplyBulkString(r.ip());
                c.addReplyBulkString(Integer.toString(r.listeningPort));
                c.addReplyBulkString(Long.toString(r.ackOffset));
            }
        } else {
            link.role(c);
        }
    }

    /** The stats fields INFO prints from here (sync_full...). */
    public long syncFull() {
        return statSyncFull;
    }

    public long syncPartialOk() {
        return statSyncPartialOk;
    }

    public long syncPartialErr() {
        return statSyncPartialErr;
    }

    public long netReplInputBytes() {
        return statNetReplInputBytes;
    }

    public long netReplOutputBytes() {
        return statNetReplOutputBytes;
    }

    public long backlogMemory() {
        return backlog == null ? 0 : backlog.size();
    }
}
