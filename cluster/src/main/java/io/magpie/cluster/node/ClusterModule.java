package io.magpie.cluster.node;

import io.magpie.cluster.bus.ClusterMsg;
import io.magpie.cluster.state.ClusterAction;
import io.magpie.cluster.state.ClusterConfig;
import io.magpie.cluster.state.ClusterState;
import io.magpie.cluster.state.NodesConfFile;
import io.magpie.cluster.state.Ready;
import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.SlotIndex;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.module.ModuleHost;
import io.magpie.server.module.ServerModule;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Redis Cluster mode ({@code cluster-enabled yes}) as a module on the server base: the node
 * side of the pure {@link ClusterState}. It feeds the state machine with the bus's messages,
 * a tick every 100 ms (clusterCron), the replication offset and the master link's state, and
 * carries out what it returns ({@link Ready}): nodes.conf written (and fsynced) before the
 * reply of the command that changed it and before the messages go out, then the actions
 * (links, replication, data, pauses, pub/sub), then the messages. Everything runs on the
 * keyspace thread, so the state machine sees commands and messages in one serial order.
 */
public final class ClusterModule implements ServerModule {
    static final long CRON_PERIOD_MS = 100;

    final MagpieServer server;
    final Engine engine;
    final ClusterParams params;
    final ClusterConfig config = new ClusterConfig();
    final ClusterState state;
    private final Path configPath;
    private ClusterBus bus;
    private ScheduledFuture<?> timer;
    private boolean masterLinkWasUp;
    private long masterLinkChangedMs;
    /** The slot migration this node runs as the source (CLUSTER MIGRATESLOTS), if any. */
    MigrateSlots.Run migration;
    /** Targets still to clean after migrations that stopped short. */
    final List<TargetCleanup> cleanups = new ArrayList<>();
    SlotFence fence;
    /**
     * Links of slot migrations from other nodes (CLUSTER IMPORTSLOTS START) and their slots, until
     * TAKE or DROP: served whole on importing slots; dropped when the link closes first.
     */
    final java.util.Map<io.magpie.engine.Client, int[]> imports = new java.util.HashMap<>();

    /**
     * clusterInit: loads cluster-config-file, or creates a new node when there is none.
     *
     * @throws IllegalStateException with Redis's message when the node cannot start
     */
    public ClusterModule(MagpieServer server, ClusterParams params) {
        this.server = server;
        this.engine = server.engine();
        this.params = params;
        int port = clientPort();
        if (params.port.value() == 0 && port > 65535 - 10000) {
            throw new IllegalStateException("Redis port number too high. Cluster communication port is 10,000 port numbers "
                    + "higher than your Redis port. Your Redis port number must be 55535 or less.");
        }
        fillConfig();
        configPath = server.config().dir.resolve(params.configFile.value());
        SecureRandom random = new SecureRandom();
        long now = System.currentTimeMillis();
        try {
            String text = NodesConfFile.read(configPath);
            state = text == null ? ClusterState.create(config, random, now) : ClusterState.load(config, random, text, now);
            if (text == null) Log.notice("No cluster configuration found, I'm %s", state.myId());
            else Log.notice("Node configuration loaded, I'm %.40s", state.myId());
        } catch (IOException e) {
            throw new IllegalStateException("Unrecoverable error: can't read the cluster config file " + configPath + ": "
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            // The state machine's message is Redis's ("Unrecoverable error: corrupted cluster config file ...").
            throw new IllegalStateException(e.getMessage());
        }
    }

    /** The client port the cluster announces and derives its bus port from: the tls-port with tls-cluster. */
    private int clientPort() {
        var tls = server.tls().config();
        return (int) (tls.tlsCluster.value() ? tls.tlsPort.value() : server.config().port.value());
    }

    /** The parameters, which CONFIG SET may change at any time, into the state machine's config. */
    private void fillConfig() {
        var tls = server.tls().config();
        params.fill(config, (int) server.config().port.value(), (int) tls.tlsPort.value(), tls.tlsCluster.value());
    }

    /** True when the configuration asks for cluster mode. */
    public static boolean enabled(ClusterParams params) {
        return params.enabled.value();
    }

    @Override
    public String name() {
        return "cluster";
    }

    @Override
    public String mode() {
        return "cluster";
    }

    @Override
    public void attach(ModuleHost host) {
        server.observability().metrics().register(new ClusterMetrics(server, state));
        server.observability().statusPage().addSection("cluster", new ClusterStatus(state)::section);
        engine.enableSlotIndex();
        try (var json = ClusterModule.class.getResourceAsStream("cluster-commands.json")) {
            host.defineCommands(json);
        } catch (IOException e) {
            throw new IllegalStateException("cluster-commands.json: " + e.getMessage(), e);
        }
        ClusterCommands.register(this);
        engine.pipeline().setTopologyGuard(new ClusterGuard(state, engine.db(0), params.allowReadsWhenDown::value,
                params.allowPubsubshardWhenDown::value, imports::containsKey));
        fence = new SlotFence(engine, server.mainLoop());
        engine.pipeline().setHoldBack(fence::holdBack);
    }

    @Override
    public void start() {
        bus = new ClusterBus(server.mainLoop(), server.clientChannelClass(), new BusListener(), server.tls());
        bus.sendbufLimit = params.linkSendbufLimit.value();
        int busPort = params.busPort(clientPort());
        String bind = firstBindAddress();
        bus.listen(bind, busPort, e -> {
            // As Redis's clusterInit: a node whose bus cannot listen does not run.
            Log.warning("Could not create cluster bus listening socket %s:%d: %s", bind == null ? "*" : bind, busPort, e.getMessage());
            Log.warning("Failed listening on port %d (cluster), aborting.", busPort);
            new Thread(() -> System.exit(1), "cluster-bus-exit").start();
        });
        server.mainLoop().execute(this::afterInput); // the config saved at load, links to the known nodes
        timer = server.mainLoop().scheduleAtFixedRate(this::cron100, CRON_PERIOD_MS, CRON_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private String firstBindAddress() {
        io.magpie.engine.config.Param bind = server.registry().find("bind");
        if (bind == null) return null;
        String[] words = bind.get().trim().split("\\s+");
        if (words.length == 0 || words[0].isEmpty() || words[0].equals("*") || words[0].startsWith("-")) return null;
        return words[0];
    }

    /**
     * getClusterConnectionsCount: two links (one each way) per other known node, counted from
     * the node table as Redis does rather than from the sockets open at this instant.
     */
    @Override
    public long clusterConnections() {
        return (state.nodes().size() - 1) * 2L;
    }

    @Override
    public void shutdown() {
        if (migration != null) migration.cancel();
        if (timer != null) timer.cancel(false);
        if (bus != null) bus.shutdown();
    }

    /** clusterCron: the tick, with the replication state the failover logic reads. */
    private void cron100() {
        try {
            long now = System.currentTimeMillis();
            fillConfig();
            bus.sendbufLimit = params.linkSendbufLimit.value();
            feedReplication(now);
            state.tick(now);
            afterInput();
            if (migration != null) migration.tick();
            for (TargetCleanup c : cleanups) c.tick(now);
            cleanups.removeIf(TargetCleanup::done);
            if (!imports.isEmpty()) dropImportsOfClosedLinks();
        } catch (RuntimeException e) {
            Log.warning("Error in cluster cron: %s", e);
        }
    }

    private void feedReplication(long now) {
        var repl = server.replication();
        state.replicationOffset(repl.masterReplOffset());
        if (repl.isReplica()) {
            boolean up = repl.masterLinkUp();
            if (up != masterLinkWasUp || masterLinkChangedMs == 0) {
                masterLinkWasUp = up;
                masterLinkChangedMs = now;
            }
            // Up: the last interaction is now (the link pings every second); down: since when.
            state.masterLink(up, up ? now : masterLinkChangedMs);
        } else {
            masterLinkWasUp = false;
            masterLinkChangedMs = 0;
        }
    }

    /**
     * Carries out what the state machine asks after an input: the config first (so a command's
     * reply, still in its buffer, goes after the file is on disk), then actions, then messages.
     */
    void afterInput() {
        Ready r = state.ready();
        if (r.isEmpty()) return;
        if (r.saveConfig()) saveConfig(r.fsyncConfig());
        for (ClusterAction a : r.actions()) perform(a);
        if (bus != null) for (Ready.Send s : r.messages()) bus.send(s.link(), s.msg());
    }

    /** Writes nodes.conf; false when it could not be written (logged). */
    boolean saveConfig(boolean fsync) {
        try {
            NodesConfFile.write(configPath, state.nodesConf(), fsync);
            return true;
        } catch (IOException e) {
            Log.warning("Could not save the cluster config file %s: %s", configPath, e.getMessage());
            lastSaveError = e.getMessage();
            return false;
        }
    }

    String lastSaveError;

    private void perform(ClusterAction a) {
        if (a instanceof ClusterAction.Connect c) {
            if (bus != null) bus.connect(c.link(), c.ip(), c.cport(), config.nodeTimeout);
        } else if (a instanceof ClusterAction.CloseLink c) {
            if (bus != null) bus.close(c.link());
        } else if (a instanceof ClusterAction.SetMaster m) {
            Log.notice("Configuring node %s as my master (%s:%d)", m.nodeName(), m.ip(), m.port());
            server.replication().setMaster(m.ip(), m.port());
        } else if (a instanceof ClusterAction.UnsetMaster) {
            server.replication().unsetMaster();
        } else if (a instanceof ClusterAction.EmptyData) {
            for (int i = 0; i < engine.dbCount(); i++) engine.db(i).empty();
        } else if (a instanceof ClusterAction.DeleteKeysInSlot d) {
            deleteKeysInSlot(d.slot());
        } else if (a instanceof ClusterAction.PauseWrites p) {
            server.pause(p.untilMs(), false);
        } else if (a instanceof ClusterAction.UnpauseWrites) {
            server.unpause();
        } else if (a instanceof ClusterAction.DeliverPublish p) {
            if (p.sharded()) engine.pubsub.spublish(p.channel(), p.message());
            else engine.pubsub.publish(p.channel(), p.message());
        }
        // DeliverModuleMessage: there is no module API, so nothing listens.
    }

    /**
     * delKeysInSlot: the keys of a slot this node no longer serves. Each deletion goes to the
     * replicas and the AOF as a DEL (UNLINK with lazyfree-lazy-server-del), as Redis does since
     * 7.2 (7.0 left them on the replicas and in the AOF, to come back after a restart).
     */
    long deleteKeysInSlot(int slot) {
        Database db = engine.db(0);
        SlotIndex index = db.slotIndex();
        if (index == null) return 0;
        List<byte[]> keys = new ArrayList<>();
        index.forEachKeyInSlot(slot, keys::add);
        boolean lazy = engine.config.lazyfreeLazyServerDel.value();
        for (byte[] key : keys) {
            db.delete(key);
            engine.propagateDeletion(db, key, lazy);
            db.signalModifiedKey(key);
            engine.dirty++;
        }
        return keys.size();
    }

    /**
     * After a slot migration: the target owns these slots; this node drops its copies (each a DEL
     * to its replicas and AOF) and gives the slots up, then lets the commands held on them go on.
     */
    long giveUpSlots(int[] slots, String targetId) {
        long moved = 0;
        for (int s : slots) {
            moved += deleteKeysInSlot(s);
            try {
                if (state.slotOwner(s) == state.myself()) state.setSlotNode(s, targetId, 0);
            } catch (io.magpie.cluster.state.ClusterException e) {
                Log.warning("MIGRATESLOTS: could not give slot %d up: %s", s, e.getMessage());
            }
        }
        afterInput();
        fence.lift(slots);
        return moved;
    }

    /**
     * The target's side of a source gone before the switch (killed, or its link broken): nothing
     * stays half-imported here. (A source that is still up also sends IMPORTSLOTS DROP: the same.)
     */
    private void dropImportsOfClosedLinks() {
        for (var it = imports.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            io.magpie.engine.Client c = e.getKey();
            if (engine.clients().get(c.id) == c) continue;
            it.remove();
            try {
                Log.warning("MIGRATESLOTS: an import stream closed before the switch: dropped %d keys", dropImport(e.getValue()));
            } catch (io.magpie.cluster.state.ClusterException ex) {
                Log.warning("MIGRATESLOTS: an import stream closed: %s", ex.getMessage()); // (a slot is this node's now)
            }
        }
    }

    /** IMPORTSLOTS DROP: the slots closed, the keys imported into them deleted (a DEL each to replicas and AOF). */
    long dropImport(int[] slots) {
        state.dropImport(slots);
        long dropped = 0;
        for (int s : slots) dropped += deleteKeysInSlot(s);
        afterInput();
        return dropped;
    }

    /** Has the target of a migration that stopped short drop what it imported of slots. */
    void startCleanup(String targetId, int[] slots, boolean fenced) {
        TargetCleanup c = new TargetCleanup(this, targetId, slots, fenced);
        cleanups.add(c);
        c.tick(0);
    }

    /** Whether a cleanup of slot on some target is still pending. */
    boolean cleaning(int slot) {
        for (TargetCleanup c : cleanups) if (c.covers(slot)) return true;
        return false;
    }

    /** Keys of db 0 in a slot (countKeysInSlot). */
    long countKeysInSlot(int slot) {
        SlotIndex index = engine.db(0).slotIndex();
        return index == null ? 0 : index.countKeysInSlot(slot);
    }

    long pendingBytes(long link) {
        return bus == null ? 0 : bus.pendingBytes(link);
    }

    /** The bus's events, fed to the state machine on the keyspace thread. */
    private final class BusListener implements ClusterBus.Listener {
        @Override
        public long accepted(String peerIp, String localIp) {
            long link = state.linkAccepted(peerIp, localIp, System.currentTimeMillis());
            afterInput();
            return link;
        }

        @Override
        public void connected(long link, String localIp) {
            state.linkConnected(link, localIp, System.currentTimeMillis());
            afterInput();
        }

        @Override
        public void closed(long link) {
            state.linkClosed(link, System.currentTimeMillis());
            afterInput();
        }

        @Override
        public void message(long link, ClusterMsg msg) {
            long now = System.currentTimeMillis();
            feedReplication(now);
            state.onMessage(link, msg, now);
            afterInput();
        }

        @Override
        public void bufferLimitExceeded(long link) {
            state.linkBufferLimitExceeded(link, System.currentTimeMillis());
            afterInput();
        }
    }
}
