package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.raft.LogEntry;
import io.magpie.raft.RaftApply;
import io.magpie.raft.RaftConfig;
import io.magpie.raft.RaftExpiry;
import io.magpie.raft.RaftSettings;
import io.magpie.raft.RaftModule;
import io.magpie.raft.RaftStateMachine;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.module.ModuleHost;
import io.magpie.server.module.ServerModule;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.statemachine.StateMachine;

/**
 * Sharded Raft mode ({@code raft-enabled yes} with {@code raft-shards N}): the node runs one
 * Ratis server ({@link MultiRaft}) hosting the placement group, which keeps the
 * {@link ClusterMap}, and the data groups it is a replica of. Each data group owns some of the
 * 16384 slots and keeps their keys in this node's one keyspace. Any node answers any client:
 * the group leader serves, every other node answers MOVED to it ({@link ShardDispatch}), and
 * CLUSTER SLOTS/SHARDS/NODES/INFO are generated from the map ({@link ShardClusterCommands}),
 * so Redis Cluster clients route directly. Placement entries are proposed from cron: the first
 * placement leader bootstraps the map, each node reports its client address, and each data
 * group leader reports itself with its term.
 */
public final class ShardedRaftModule implements ServerModule {
    private final MagpieServer server;
    final RaftConfig config;
    final ShardConfig shardConfig;
    private Map<String, String> raftMembers;
    /** Where this node's Ratis server listens ("host:port"), as the others reach it. */
    private String myRaftAddress;
    /** raft-join's "host:port", or null when this node was started with raft-members. */
    private String joinVia;
    private boolean joinInFlight;
    private long joinRetryAt;
    /** Replica moves of the groups this node leads, and drained nodes leaving (placement leader). */
    private final ReplicaDriver replicas = new ReplicaDriver(this);
    /** The map this node's settings bootstrap; the placement group's map replaces it once applied. */
    private ClusterMap initial = ClusterMap.EMPTY;
    private final PlacementStateMachine placement = new PlacementStateMachine();
    /** The data groups this node is a replica of, by group index. */
    private final Map<Integer, DataGroup> local = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile MultiRaft raft;
    /** The map page on raft-http-port; null when off. */
    private ShardMapServer mapPage;
    private boolean placementInFlight;
    private CommandPipeline pipeline;
    /** The dispatch ports, set at start (a group's writes that never applied are rerouted by it). */
    private ShardDispatch dispatch;
    /** Source groups whose move this node drives now (keyspace thread). */
    private final java.util.Set<Integer> movesInFlight = new java.util.HashSet<>();
    /**
     * Moves (source << 32 | target) whose switch the placement group acknowledged, by when, until
     * this node's map applies it: driven again before that, a move would copy the fenced keys
     * once more into the target, over the writes the target took since the switch.
     */
    private final Map<Long, Long> switchedNotApplied = new HashMap<>();
    private long movesDone, cronTicks;
    /** Which group writes each slot's keys here (keyspace thread); made at start from the bootstrap map. */
    private SlotCustody custody;
    /** Polls the applied index of a group others wait on ({@link #appliedHere}). */
    private final java.util.concurrent.ScheduledExecutorService gates = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "magpie-raft-shard-gates");
        t.setDaemon(true);
        return t;
    });
    /** Group additions and slot copies wait on Ratis: they run here, off the keyspace thread. */
    private final java.util.concurrent.ExecutorService admin = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "magpie-raft-shards");
        t.setDaemon(true);
        return t;
    });

    /** Registers the raft-* parameters of both modes; call before the config is loaded. */
    public ShardedRaftModule(MagpieServer server) {
        this.server = server;
        this.config = new RaftConfig(server.registry());
        this.shardConfig = new ShardConfig(server.registry());
        RaftModule.noDumpFile(server);
    }

    public static boolean requested(String configText) {
        return ShardConfig.requested(configText);
    }

    @Override
    public String name() {
        return "raft-shards";
    }

    @Override
    public void attach(ModuleHost host) {
        try (InputStream in = RaftConfig.class.getResourceAsStream("raft-commands.json")) {
            if (in == null) throw new IllegalStateException("missing resource raft-commands.json");
            host.defineCommands(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /* ---------------- what the dispatch and commands ask ---------------- */

    String myId() {
        return config.id.value();
    }

    /** The cluster map: the placement group's once bootstrapped, else the one this node's settings make. */
    ClusterMap map() {
        ClusterMap m = placement.map();
        return m.isEmpty() ? initial : m;
    }

    /** This node's replica of the group owning slot, or null when it holds none. */
    DataGroup groupOfSlot(int slot) {
        return local.get(map().groupOf(slot));
    }

    /**
     * Group g's leader: as this node's replica knows it (freshest), else as the map last heard.
     * On a node holding no replica of g, a report naming this node, or a node neither among g's
     * members nor in its target, dates from before a replica move (a drained node's map stops at its removal from
     * the placement group): g's preferred leader is named instead, which redirects if it does not
     * lead. Otherwise such a node answered CLUSTERDOWN, or gave cluster clients slots pointing at
     * itself, and JedisCluster, which reloads its slots from the node that redirected it, was
     * stuck there.
     */
    String leaderOf(int g) {
        DataGroup d = local.get(g);
        String leader = d == null ? null : d.leaderId();
        if (leader != null) return leader;
        ClusterMap m = map();
        if (g >= m.groups.size()) return null;
        ClusterMap.Group group = m.groups.get(g);
        String reported = group.leader();
        if (reported.isEmpty()) return null;
        if (d == null && (reported.equals(myId()) || !group.members().contains(reported) && !group.target().contains(reported))) {
            for (String id : group.target()) if (!id.equals(myId())) return id;
            return null;
        }
        return reported;
    }

    /** Where a node serves clients ("host:port"), or "" when not known yet. */
    String clientAddress(String id) {
        if (id.equals(myId())) return myClientAddress();
        ClusterMap.Node n = map().nodes.get(id);
        return n == null ? "" : n.clientAddress();
    }

    String myClientAddress() {
        String raftAddress = myRaftAddress;
        int colon = raftAddress == null ? -1 : raftAddress.lastIndexOf(':');
        return (colon < 0 ? "127.0.0.1" : raftAddress.substring(0, colon)) + ":" + server.port();
    }

    Map<Integer, DataGroup> localGroups() {
        return local;
    }

    Engine engine() {
        return server.engine();
    }

    /** Null when this node serves slot now (it leads the owning group, ready); else the error (MOVED, TRYAGAIN, CLUSTERDOWN). */
    String refusal(int slot) {
        if (map().isEmpty()) return "CLUSTERDOWN The raft cluster map is not known yet";
        int g = map().groupOf(slot);
        DataGroup d = local.get(g);
        if (d != null && d.isLeader()) return d.isLeaderReady() ? null : "TRYAGAIN Raft leader is not ready yet";
        String leader = leaderOf(g);
        if (leader == null || leader.equals(myId())) {
            return d != null && "candidate".equals(d.role()) ? "TRYAGAIN Raft election in progress" : "CLUSTERDOWN No raft leader";
        }
        String address = clientAddress(leader);
        if (address.isEmpty()) return "TRYAGAIN Raft leader address not known yet";
        return "MOVED " + slot + " " + address;
    }

    /**
     * Once a keyed read of group g confirmed its read index (g applied every entry committed
     * before the read came), whether g may still answer it here; null when it may. The guard
     * let it through on what g had applied then: a leader just elected or restarted may not
     * have applied its log's FENCE of the slot yet, and its map may still give it the slot (the
     * placement log replays apart), so it would read the slot's final keys as of the fence while
     * the target has taken writes since (what seed 15278178 of the sharded soak looked like: a
     * restarted node's reads of several keys at values long overwritten). Now g's own log,
     * applied past the read index, decides: a fenced or accepting slot is refused, as is one
     * whose keys here another group's replica writes.
     */
    String readRefusal(DataGroup g, int slot) {
        String refusal = refusal(slot);
        if (refusal != null) return refusal;
        int holder = custody.holder(slot); // unknown on a joined node: no claim came yet, only the owner's log writes the slot
        if (groupOfSlot(slot) != g || g.moves.refuses(slot) || (holder != g.index && holder != SlotCustody.UNKNOWN)) return SlotMove.FENCED;
        return null;
    }

    /* ---------------- FLUSHALL, FLUSHDB ---------------- */

    /** FLUSHALL / FLUSHDB entries this node proposed, by their sequence, until they apply here (keyspace thread). */
    private final Map<Long, CompletableFuture<Void>> flushes = new HashMap<>();
    private long flushSeq;

    /**
     * Proposes a client's FLUSHALL or FLUSHDB (argv, in db) to group g, which this node leads;
     * completes once it has applied here, exceptionally when the log did not take it (it may
     * still apply later). Keyspace thread.
     */
    CompletableFuture<Void> proposeFlush(DataGroup g, int db, byte[][] argv) {
        long seq = ++flushSeq;
        CompletableFuture<Void> applied = new CompletableFuture<>();
        flushes.put(seq, applied);
        LogEntry entry = LogEntry.write(myId(), seq, db, server.engine().now(), 0, false, List.<byte[][]>of(argv));
        g.propose(entry).whenComplete((reply, error) -> mainLoopExecute(() -> {
            CompletableFuture<Void> waiting = flushes.remove(seq);
            if (waiting == null) return; // applied
            waiting.completeExceptionally(error != null ? error : reply.getException() != null ? reply.getException()
                    : new IOException("not applied"));
        }));
        return applied;
    }

    private static final byte[] FLUSHALL = io.magpie.commands.Ascii.bytes("flushall"), FLUSHDB = io.magpie.commands.Ascii.bytes("flushdb");

    /** Asked of every single-write entry applied: compares bytes, makes nothing. */
    static boolean isFlush(LogEntry e) {
        if (e.type() != LogEntry.WRITE || e.atomic() || e.commands().size() != 1) return false;
        byte[] name = e.commands().get(0)[0];
        return io.magpie.commands.Ascii.equalsIgnoreCase(name, FLUSHALL) || io.magpie.commands.Ascii.equalsIgnoreCase(name, FLUSHDB);
    }

    /** A FLUSHALL or FLUSHDB in group index's log: the keys of the slots the group writes here (keyspace thread). */
    private void applyFlush(int index, SlotMove.GroupSlots moves, LogEntry e) {
        boolean all = io.magpie.commands.Ascii.equalsIgnoreCase(e.commands().get(0)[0], FLUSHALL);
        DataGroup.flushSlots(server.engine(), custody.flushable(index, moves, map()::groupOf), all ? -1 : e.db());
        if (!e.origin().equals(myId())) return;
        CompletableFuture<Void> waiting = flushes.remove(e.seq());
        if (waiting != null) waiting.complete(null);
    }

    void mainLoopExecute(Runnable task) {
        server.mainLoop().execute(task);
    }

    long leaderWaitMs() {
        return shardConfig.leaderWait.value();
    }

    void mainLoopSchedule(Runnable task, long delayMs) {
        server.mainLoop().schedule(task, delayMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /* ---------------- start ---------------- */

    @Override
    public void start() {
        if (myId().isEmpty()) throw new IllegalStateException("raft-enabled yes needs raft-id");
        // Its links would run in plain text: refused rather than silently unencrypted.
        if (config.tls.value()) throw new IllegalStateException("raft-tls yes is not supported with raft-shards yet");
        raftMembers = RaftConfig.parseMembers(config.members.value());
        String join = shardConfig.join.value().trim();
        int port = (int) config.port.value();
        if (!join.isEmpty()) {
            // Joining: the cluster's map (groups, placement, replication) comes from its placement group.
            if (!raftMembers.isEmpty()) throw new IllegalStateException("raft-join and raft-members cannot both be given: a joining node learns the members");
            if (port == 0) throw new IllegalStateException("raft-join needs raft-port");
            joinVia = join;
            myRaftAddress = advertisedHost() + ":" + port;
        } else {
            if (!raftMembers.containsKey(myId())) throw new IllegalStateException("raft-members does not name " + myId());
            initial = ClusterMap.bootstrap(raftMembers, (int) shardConfig.shards.value(), (int) shardConfig.replication.value(),
                    shardConfig.placement.value(), (int) shardConfig.ringVnodes.value());
            myRaftAddress = raftMembers.get(myId());
            if (port == 0) port = Integer.parseInt(myRaftAddress.substring(myRaftAddress.lastIndexOf(':') + 1));
        }
        // A joining node starts with no map: every slot's holder here is unknown until a log or snapshot gives it.
        custody = new SlotCustody(initial, this::movesOf, local::keySet);
        Engine engine = server.engine();
        engine.enableSlotIndex();
        engine.activeExpireEnabled = false;
        engine.expireOnlyWhilePinned = true;
        CommandPipeline pipeline = engine.pipeline();
        this.pipeline = pipeline;
        ShardDispatch dispatch = new ShardDispatch(this, engine);
        this.dispatch = dispatch;
        pipeline.setTopologyGuard(dispatch);
        pipeline.setWritePath(dispatch::write);
        pipeline.setReadPath(dispatch::read);
        pipeline.setHoldBack(dispatch::holdBack);
        engine.blocking.setGate(dispatch.blockingGate());
        engine.eviction().setEvictor(dispatch.evictor());
        new ShardClusterCommands(this).register();
        mapPage = ShardMapServer.start(server, this);
        File storage = server.config().dir.resolve("raft-" + myId()).toFile();
        // A restarted node's groups are those in its storage (replicas may have moved since the
        // bootstrap): Ratis recovers them, and the map, once replayed, starts any it lacks.
        boolean fresh = !storage.exists();
        for (ClusterMap.Group g : initial.groups) {
            if (fresh && g.members().contains(myId())) local.put(g.index(), newGroup(g.index(), pipeline));
        }
        // Each group found in storage has its DataGroup before Ratis loads any snapshot: a snapshot's claims
        // take custody from the groups replicated here, which must be there to lose the slots ({@link SlotCustody}).
        if (!fresh) for (int index : groupsInStorage(storage)) local.computeIfAbsent(index, i -> newGroup(i, pipeline));
        int raftPort = port;
        Thread starter = new Thread(() -> {
            try {
                MultiRaft r = new MultiRaft(myId(), RaftSettings.listenHost(server.config().bind.addresses()), raftPort, storage,
                        MultiRaft.placementGroup(List.copyOf(raftMembers.keySet()), raftMembers), joinVia,
                        config.snapshotThreshold.value(), config.logSegmentSize.value(), config.readLease.value(), registry());
                r.start();
                List<org.apache.ratis.protocol.RaftGroup> mine = new java.util.ArrayList<>();
                for (ClusterMap.Group g : initial.groups) {
                    if (fresh && g.members().contains(myId())) mine.add(MultiRaft.group(MultiRaft.dataGroupId(g.index()), g.members(), raftMembers));
                }
                var failed = r.addGroups(mine);
                if (!failed.isEmpty()) throw new IOException("adding raft groups: " + failed);
                raft = r;
                if (joinVia != null) Log.notice("Raft shards: member %s on port %d, joining the cluster through %s", myId(), raftPort, joinVia);
                else Log.notice("Raft shards: member %s on port %d, %d data groups (%d here), placement by %s", myId(), raftPort,
                        initial.groups.size(), local.size(), initial.placement.name().toLowerCase(java.util.Locale.ROOT));
            } catch (IOException | RuntimeException e) {
                Log.warning("Raft member %s failed to start: %s", myId(), e);
                Log.warning("Failed to start Raft on port %d, aborting.", raftPort); // as RaftModule
                System.exit(1);
            }
        }, "magpie-raft-start");
        starter.setDaemon(true);
        starter.start();
    }

    /** The indexes of the data groups whose Ratis storage (a directory named by the group id) is under storage. */
    private static List<Integer> groupsInStorage(File storage) {
        Map<String, Integer> byDir = new HashMap<>();
        for (int i = 0; i < ShardConfig.MAX_SHARDS; i++) byDir.put(MultiRaft.dataGroupId(i).getUuid().toString(), i);
        List<Integer> out = new java.util.ArrayList<>();
        File[] dirs = storage.listFiles(File::isDirectory);
        if (dirs != null) for (File d : dirs) if (byDir.containsKey(d.getName())) out.add(byDir.get(d.getName()));
        return out;
    }

    /** The host the other nodes reach this one at: the first bind address that names one, else 127.0.0.1. */
    private String advertisedHost() {
        for (String a : server.config().bind.addresses()) {
            String host = a.startsWith("-") ? a.substring(1) : a;
            if (!host.contains("*") && !host.contains(":") && !host.equals("0.0.0.0")) return host;
        }
        return "127.0.0.1";
    }

    /** The state machine of each group id Ratis finds or is asked to add. */
    private StateMachine.Registry registry() {
        return id -> {
            if (id.equals(MultiRaft.PLACEMENT)) return placement;
            for (DataGroup g : local.values()) if (g.id.equals(id)) return g.stateMachine;
            // A group a reshard added, found in storage on a restart before the map is known again.
            for (int index = 0; index < ShardConfig.MAX_SHARDS; index++) {
                if (MultiRaft.dataGroupId(index).equals(id)) return local.computeIfAbsent(index, i -> newGroup(i, pipeline)).stateMachine;
            }
            throw new IllegalStateException("raft group " + id + " is not one of this node's groups");
        };
    }

    private DataGroup newGroup(int index, CommandPipeline pipeline) {
        RaftApply apply = new RaftApply(new RaftApply.Member() {
            @Override public String id() {
                return myId();
            }

            @Override public void address(String member, String clientAddress) {
                // Sharded mode learns client addresses from the placement group.
            }

            @Override public void execute(Runnable task) {
                mainLoopExecute(task);
            }
        }, server.engine(), pipeline);
        // A write that never applied is processed again (held for the next leader, or redirected), not failed.
        ShardDispatch d = dispatch;
        apply.reprocessNotApplied(d::reroute);
        SlotMove.GroupSlots moves = new SlotMove.GroupSlots();
        // Queued before anything of the group can apply (its state machine loads and applies through this loop too).
        mainLoopExecute(() -> custody.register(index, moves));
        return new DataGroup(index, () -> raft, apply, moves, new RaftStateMachine.Keyspace() {
            /** What this group's entries after the snapshot just loaded wait for; null when nothing. */
            private CompletableFuture<Void> afterLoad;

            @Override public void apply(LogEntry entry, long logIndex) {
                SlotMove.Accept accept = SlotMove.acceptOf(entry);
                if (accept != null) {
                    acceptHere(index, moves, accept);
                    return;
                }
                if (moves.apply(entry)) return;
                if (isFlush(entry)) {
                    applyFlush(index, moves, entry);
                    return;
                }
                if (SlotMove.isCopy(entry)) {
                    if (moves.copyApplies(server.engine(), entry)) apply.apply(entry, logIndex);
                    return;
                }
                java.util.BitSet refused = moves.refused();
                // A BATCH's writes each: one of a refused slot is refused, the others apply.
                for (LogEntry e : entry.type() == LogEntry.BATCH && !refused.isEmpty() ? entry.writes() : List.of(entry)) {
                    if (SlotMove.touches(server.engine(), e, refused)) {
                        // Ordered after the fence: refused alike on every replica, its client may send it again.
                        if (e.origin().equals(myId())) apply.fail(e.seq(), SlotMove.FENCED);
                    } else {
                        apply.apply(e, logIndex);
                    }
                }
            }

            @Override public void termApplied(long term) {
                apply.termApplied(term);
            }

            @Override public void load(Path rdb) {
                afterLoad = null;
                DataGroup.loadSlots(server.engine(), rdb, aux -> {
                    java.util.BitSet replace = new java.util.BitSet();
                    if (aux == null) { // a snapshot from before custody: the map decides
                        for (int s = 0; s < HashSlot.SLOTS; s++) if (map().groupOf(s) == index || map().targetOf(s) == index) replace.set(s);
                        return replace;
                    }
                    GroupSnapshot snap = GroupSnapshot.decode(aux);
                    moves.restore(snap.fenced(), snap.opened(), snap.accepts(), snap.epochs());
                    // Slots coming in from a group replicated here too: its replica here may not have
                    // applied the fence yet, and its keys will be the copy's; custody waits for it, as
                    // the ACCEPT does (their keys are not loaded, or its replay would land on them).
                    java.util.BitSet deferred = new java.util.BitSet();
                    CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
                    for (SlotMove.Accept a : moves.accepts) {
                        if (a.source() == index || !local.containsKey(a.source())) continue;
                        deferred.or(a.slots());
                        CompletableFuture<Void> fenced = appliedHere(a.source(), a.fenceIndex());
                        SlotMove.Accept held = a.withSlots((java.util.BitSet) a.slots().clone());
                        gate = (fenced == null ? gate : gate.thenCompose(v -> fenced))
                                .thenCompose(v -> onKeyspace(() -> custody.take(index, held.slots(), held.rank())));
                    }
                    if (!deferred.isEmpty()) afterLoad = gate;
                    java.util.BitSet unclaimed = new java.util.BitSet();
                    unclaimed.set(0, HashSlot.SLOTS);
                    unclaimed.andNot(deferred);
                    for (var claim : snap.claims().entrySet()) {
                        java.util.BitSet slots = (java.util.BitSet) claim.getValue().clone();
                        unclaimed.andNot(slots);
                        slots.andNot(deferred);
                        replace.or(custody.take(index, slots, claim.getKey()));
                    }
                    // Held here but not by the snapshot: another group opened them where it was taken.
                    java.util.BitSet released = new java.util.BitSet();
                    for (int s = unclaimed.nextSetBit(0); s >= 0; s = unclaimed.nextSetBit(s + 1)) if (custody.holder(s) == index) released.set(s);
                    custody.release(index, released);
                    DataGroup.deleteSlots(server.engine(), released);
                    return replace;
                });
            }

            @Override public CompletableFuture<Void> gateAfterLoad() {
                return afterLoad;
            }

            @Override public CompletableFuture<Void> gate(LogEntry entry) {
                SlotMove.Accept a = SlotMove.acceptOf(entry);
                return a == null || a.source() == index ? null : appliedHere(a.source(), a.fenceIndex());
            }

            @Override public String snapshot(Path target, Consumer<Boolean> done) {
                String state = GroupSnapshot.of(index, moves, custody, ShardedRaftModule.this::movesOf, map()::groupOf).encode();
                return server.persistence().snapshotTo(target, Map.of(GroupSnapshot.AUX, state), done);
            }

            @Override public <T> T onKeyspaceThread(Callable<T> task) throws Exception {
                return server.onMainThread(task);
            }

            @Override public void execute(Runnable task) {
                server.mainLoop().execute(task);
            }
        }, server.engine(), pipeline, myId(), this::mainLoopExecute);
    }

    /** The move state of a group replicated here, or null. */
    private SlotMove.GroupSlots movesOf(int group) {
        DataGroup g = local.get(group);
        return g == null ? null : g.moves;
    }

    /** An ACCEPT applied by group index here ({@link SlotCustody#accept}); keyspace thread. */
    private void acceptHere(int index, SlotMove.GroupSlots moves, SlotMove.Accept a) {
        DataGroup.deleteSlots(server.engine(), custody.accept(index, moves, a, local.containsKey(a.source())));
    }

    /**
     * Completes once this node's replica of group has applied index; null when it has, or when
     * this node does not replicate group (nothing here to order after). Polled: it waits only
     * while a move's copy overtakes a lagging replica of its source.
     */
    private CompletableFuture<Void> appliedHere(int group, long index) {
        if (!local.containsKey(group) || appliedIndexHere(group) >= index) return null;
        CompletableFuture<Void> done = new CompletableFuture<>();
        long since = System.currentTimeMillis();
        boolean[] logged = {false};
        java.util.concurrent.ScheduledFuture<?> poll = gates.scheduleWithFixedDelay(() -> {
            if (!local.containsKey(group) || appliedIndexHere(group) >= index) {
                done.complete(null);
            } else if (!logged[0] && System.currentTimeMillis() - since > 10_000) {
                logged[0] = true;
                Log.notice("Raft shards: a copy into this node waits for its replica of shard %d to apply index %d (applied %d)", group,
                        index, appliedIndexHere(group));
            }
        }, 5, 5, java.util.concurrent.TimeUnit.MILLISECONDS);
        done.whenComplete((v, t) -> poll.cancel(false)); // after poll is known, however soon the first check completes it
        return done;
    }

    private long appliedIndexHere(int group) {
        DataGroup g = local.get(group);
        return g == null ? Long.MAX_VALUE : g.appliedIndex();
    }

    private <T> CompletableFuture<Void> onKeyspace(java.util.function.Supplier<T> task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        mainLoopExecute(() -> {
            try {
                task.get();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /* ---------------- cron: placement reports, expiry ---------------- */

    @Override
    public void cron(long nowMs) {
        for (DataGroup g : local.values()) {
            g.apply.expireUndecided(nowMs);
            g.blocking.cron(g.isLeader()); // a group no longer led here unblocks its waiters, as a master turned replica
        }
        for (java.util.Iterator<DataGroup> it = leaving.iterator(); it.hasNext(); ) {
            DataGroup g = it.next();
            g.apply.expireUndecided(nowMs);
            g.blocking.cron(false);
            if (!g.apply.awaitsAny()) it.remove();
        }
        MultiRaft r = raft;
        if (r == null) return;
        reportToPlacement(r);
        ClusterMap m = placement.map();
        if (!m.isEmpty()) {
            ensureGroups(r, m);
            driveMoves(r, m);
            replicas.cron(r, m, nowMs);
            if (++cronTicks % 10 == 0) {
                dropGroupsMovedAway(r, m);
                dropForeignSlots(m);
            }
            openMovedIn(m);
        } else if (joinVia != null) {
            join(r, nowMs);
        }
        for (DataGroup g : local.values()) {
            if (g.expiryInFlight || !g.isLeaderReady()) continue;
            int index = g.index;
            LogEntry e = RaftExpiry.collect(server.engine(), key -> map().groupOf(HashSlot.keyHashSlot(key)) == index);
            if (e == null) continue;
            g.expiryInFlight = true;
            g.propose(e).whenComplete((reply, t) -> mainLoopExecute(() -> g.expiryInFlight = false));
        }
    }

    /** One placement entry at a time: the bootstrap, this node's client address, or a leadership it holds that the map lacks. */
    private void reportToPlacement(MultiRaft r) {
        if (placementInFlight) return;
        ClusterMap m = placement.map();
        byte[] entry = null;
        if (m.isEmpty()) {
            var d = r.division(MultiRaft.PLACEMENT);
            if (d != null && d.getInfo().isLeader() && d.getInfo().isLeaderReady()) entry = PlacementStateMachine.bootstrap(initial);
        } else if (m.nodes.containsKey(myId()) && !m.nodes.get(myId()).clientAddress().equals(myClientAddress())) {
            entry = PlacementStateMachine.node(myId(), myClientAddress());
        } else {
            for (DataGroup g : local.values()) {
                if (g.index >= m.groups.size() || !g.isLeaderReady()) continue;
                ClusterMap.Group known = m.groups.get(g.index);
                long term = g.term();
                if (!known.leader().equals(myId()) || known.leaderTerm() != term) {
                    entry = PlacementStateMachine.leader(g.index, myId(), term);
                    break;
                }
            }
        }
        if (entry == null) return;
        placementInFlight = true;
        r.proposePlacement(entry).whenComplete((reply, t) -> mainLoopExecute(() -> placementInFlight = false));
    }

    /* ---------------- resharding ---------------- */

    /** RAFT SHARDS n (more or fewer): proposes the reshard; done once the placement group applied it (the moves follow). */
    java.util.concurrent.CompletableFuture<String> reshard(int n) {
        ClusterMap m = map();
        MultiRaft r = raft;
        if (r == null || placement.map().isEmpty()) return java.util.concurrent.CompletableFuture.completedFuture("CLUSTERDOWN The raft cluster map is not known yet");
        if (m.resharding()) return java.util.concurrent.CompletableFuture.completedFuture("ERR a reshard is already in progress");
        if (n == m.shards()) return java.util.concurrent.CompletableFuture.completedFuture("ERR there are " + n + " raft shards already");
        // A placement leader stepping down or changing is TRYAGAIN, as for any write (it was "ERR <Ratis exception>").
        return r.proposePlacement(PlacementStateMachine.reshard(n)).handle((reply, t) -> {
            String failure = io.magpie.raft.RaftDispatch.failure(reply, t);
            if (failure != null) return failure;
            String refused = reply.getMessage().getContent().toStringUtf8(); // the log's own check, on the map as of the entry
            return refused.isEmpty() ? null : refused;
        });
    }

    /** Starts the data groups the map gives this node that it does not run yet (a reshard's new groups). */
    private void ensureGroups(MultiRaft r, ClusterMap m) {
        List<org.apache.ratis.protocol.RaftGroup> added = new java.util.ArrayList<>();
        for (ClusterMap.Group g : m.groups) {
            if (!g.names(myId()) || local.containsKey(g.index()) || dropping.contains(g.index())) continue;
            DataGroup d = newGroup(g.index(), pipeline);
            custody.started(g.index(), d.moves);
            local.put(g.index(), d);
            // A replica moving here starts as a learner of the members the map records: it campaigns in no election
            // and takes the group's configuration from the leader that adds it (its log replaces this one).
            boolean member = g.members().contains(myId()) && !restartAsLearner.remove(g.index());
            if (!member) freshLearners.add(g.index());
            added.add(member ? MultiRaft.group(MultiRaft.dataGroupId(g.index()), g.members(), raftAddresses(m))
                    : MultiRaft.learnerOf(MultiRaft.dataGroupId(g.index()), g.members().stream().filter(id -> !id.equals(myId())).toList(),
                            raftAddresses(m), myId(), myRaftAddress));
        }
        if (added.isEmpty()) return;
        admin.execute(() -> {
            var failed = r.addGroups(added);
            if (failed.isEmpty()) Log.notice("Raft shards: started %d new data group(s) here", added.size());
            else Log.warning("Raft shards: starting new data groups failed, they will be tried again: %s", failed);
            // A group that did not start is forgotten here, so the next cron starts it again.
            mainLoopExecute(() -> local.values().removeIf(d -> failed.containsKey(d.id)));
        });
    }

    /** Groups whose replica here is being removed (keyspace thread). */
    private final java.util.Set<Integer> dropping = new java.util.HashSet<>();
    /**
     * Replicas dropped here whose clients still wait for their writes (keyspace thread): the
     * cron answers them once their outcome is past knowing here. Forgotten with the group, they
     * waited for ever (a Lettuce command timed out after 60 s in CI, once leadership and then
     * the replica moved off its node).
     */
    private final List<DataGroup> leaving = new java.util.ArrayList<>();

    /**
     * A group whose replica moved away (the map names this node neither as member nor as
     * target): its division here is stopped and deleted; dropForeignSlots then drops its keys.
     * So is a replica left over from an earlier membership while the group moves here again
     * ({@link #freshLearners}).
     */
    private void dropGroupsMovedAway(MultiRaft r, ClusterMap m) {
        for (DataGroup d : List.copyOf(local.values())) {
            if (d.index >= m.groups.size() || dropping.contains(d.index)) continue;
            if (!m.groups.get(d.index).names(myId())) {
                if (m.groups.get(d.index).members().size() == 0) continue;
                drop(r, d, "moved away from here");
            } else if (d.shutDown()) {
                // Ratis found it removed from the group; the map, which names it still, has not caught up, or moves it
                // back. A fresh learner takes its place (never a fresh voter: its empty log would count in elections).
                restartAsLearner.add(d.index);
                drop(r, d, "was shut down by Ratis (removed from the group): it starts afresh as a learner");
            } else if (m.groups.get(d.index).members().contains(myId())) {
                freshLearners.remove(d.index); // its move here is done
            } else if (!freshLearners.contains(d.index) && d.outsideItsConf(myId())) {
                drop(r, d, "is left over from before, outside the group's configuration: it starts afresh");
            }
        }
    }

    /**
     * The learners this process started for a move here (ensureGroups), until the map names
     * this node a member: while one catches up, its log's configuration, from before it was
     * added, leaves it out. Any other replica outside its own configuration while the map moves
     * the group here is left over from an earlier membership: removed from the group and not
     * dropped here before the group came back (a drain right after a join), or recovered from
     * storage at a restart. Ratis starts the recovered one "initializing", and it stayed STARTING
     * for good; the other campaigned on as a candidate. Either way the leader's transfer to it
     * was refused again and again and the drain never ended (membership schedule 12739257). So
     * it is dropped, and ensureGroups starts a fresh learner, which catches up as any replica
     * moving here does. (Keyspace thread.)
     */
    private final java.util.Set<Integer> freshLearners = new java.util.HashSet<>();
    /** Groups whose replica here Ratis shut down: ensureGroups starts the next one as a learner, even where the map names this node a member. */
    private final java.util.Set<Integer> restartAsLearner = new java.util.HashSet<>();

    /** Stops and deletes this node's replica of d; dropForeignSlots then drops its keys. */
    private void drop(MultiRaft r, DataGroup d, String why) {
        freshLearners.remove(d.index);
        dropping.add(d.index);
        local.remove(d.index);
        d.apply.leaving(System.currentTimeMillis());
        if (d.apply.awaitsAny()) leaving.add(d);
        r.removeGroup(d.id).whenComplete((reply, t) -> mainLoopExecute(() -> {
            dropping.remove(d.index);
            if (t != null || !reply.isSuccess()) Log.warning("Raft shards: removing shard %d's replica here failed: %s", d.index, t != null ? t : reply.getException());
            else Log.notice("Raft shards: shard %d's replica %s", d.index, why);
        }));
    }

    /**
     * raft-join: until the placement group has sent this node the map, ask it (through the
     * node at raft-join, which redirects to the placement leader) to add this node to the map,
     * then to its voters. Both are idempotent: a join sent again after a lost reply is done.
     */
    private void join(MultiRaft r, long nowMs) {
        if (joinInFlight || nowMs < joinRetryAt) return;
        joinInFlight = true;
        String raftAddress = myRaftAddress, clientAddress = myClientAddress();
        admin.execute(() -> {
            String failure = null;
            try {
                var reply = r.proposePlacement(PlacementStateMachine.join(myId(), raftAddress, clientAddress)).get(30, java.util.concurrent.TimeUnit.SECONDS);
                String refused = reply.isSuccess() ? reply.getMessage().getContent().toStringUtf8() : "";
                if (!reply.isSuccess()) failure = String.valueOf(reply.getException());
                else if (!refused.isEmpty()) {
                    // A bad setting, not a fault: said once, and not sent again.
                    Log.warning("Raft shards: the cluster refused %s joining: %s; fix raft-id and restart", myId(), refused);
                    mainLoopExecute(() -> {
                        joinInFlight = false;
                        joinRetryAt = Long.MAX_VALUE;
                    });
                    return;
                } else {
                    reply = r.joinPlacement(raftAddress);
                    if (!reply.isSuccess()) failure = String.valueOf(reply.getException());
                }
            } catch (Exception e) {
                failure = String.valueOf(e);
            }
            String why = failure;
            mainLoopExecute(() -> {
                joinInFlight = false;
                if (why == null) {
                    Log.notice("Raft shards: %s joined the cluster through %s; waiting for the cluster map", myId(), joinVia);
                    joinRetryAt = System.currentTimeMillis() + 10_000;
                } else {
                    Log.warning("Raft shards: joining the cluster through %s failed, it will be tried again: %s", joinVia, why);
                    joinRetryAt = System.currentTimeMillis() + 1_000;
                }
            });
        });
    }

    /**
     * RAFT REMOVENODE id: the node drains (its replicas move to the other nodes, then it leaves
     * the placement group and the map). Done once the drain is recorded; RAFT INFO shows it.
     */
    java.util.concurrent.CompletableFuture<String> drain(String id) {
        ClusterMap m = placement.map();
        MultiRaft r = raft;
        if (r == null || m.isEmpty()) return java.util.concurrent.CompletableFuture.completedFuture("CLUSTERDOWN The raft cluster map is not known yet");
        ClusterMap.Node n = m.nodes.get(id);
        if (n == null) return java.util.concurrent.CompletableFuture.completedFuture("ERR no such raft node " + id);
        if (n.draining()) return java.util.concurrent.CompletableFuture.completedFuture(null);
        int replication = 0;
        for (ClusterMap.Group g : m.groups) replication = Math.max(replication, g.target().size());
        if (m.activeNodes().size() - 1 < replication) {
            return java.util.concurrent.CompletableFuture.completedFuture("ERR cannot remove " + id + ": " + (m.activeNodes().size() - 1)
                    + " nodes would be left for " + replication + " replicas per shard");
        }
        return r.proposePlacement(PlacementStateMachine.drain(id)).handle((reply, t) -> t != null ? "ERR " + t.getMessage()
                : reply.isSuccess() ? null : "ERR " + reply.getException());
    }

    private static Map<String, String> raftAddresses(ClusterMap m) {
        Map<String, String> out = new HashMap<>();
        for (ClusterMap.Node n : m.nodes.values()) out.put(n.id(), n.raftAddress());
        return out;
    }

    /** The leader of a move's source group drives it ({@link SlotMove}): one move per source at a time. */
    private void driveMoves(MultiRaft r, ClusterMap m) {
        List<int[]> pending = m.pendingMoves();
        long nowMs = System.currentTimeMillis();
        // A switch not applied here within 30 s (this node cut off from the placement group meanwhile) may be driven again.
        switchedNotApplied.entrySet().removeIf(e -> nowMs - e.getValue() > 30_000
                || pending.stream().noneMatch(mv -> (((long) mv[0] << 32) | mv[1]) == e.getKey()));
        for (int[] move : pending) {
            DataGroup source = local.get(move[0]);
            int target = move[1];
            if (source == null || !source.isLeaderReady() || movesInFlight.contains(move[0]) || leaderOf(target) == null) continue;
            if (switchedNotApplied.containsKey(((long) move[0] << 32) | target)) continue;
            movesInFlight.add(move[0]);
            java.util.BitSet slots = new java.util.BitSet(HashSlot.SLOTS);
            for (int s = 0; s < HashSlot.SLOTS; s++) if (m.groupOf(s) == move[0] && m.targetOf(s) == target) slots.set(s);
            long start = System.currentTimeMillis();
            source.propose(SlotMove.fence(slots, m.reshardVersion, server.engine().now())).whenComplete((fenceReply, fenceError) -> mainLoopExecute(() -> {
                if (fenceError != null || !fenceReply.isSuccess()) {
                    moveFailed(source.index, target, fenceError != null ? fenceError : fenceReply.getException());
                    return;
                }
                // The fence applied here: the moving keys are final.
                long term = source.term();
                long[] keysAndBytes = new long[2];
                List<byte[]> entries = new java.util.ArrayList<>();
                entries.add(SlotMove.accept(new SlotMove.Accept(slots, m.reshardVersion, source.index, fenceReply.getLogIndex()), server.engine().now()).encode());
                try {
                    for (LogEntry e : SlotMove.copy(server.engine(), slots, m.reshardVersion, server.engine().now(), keysAndBytes)) entries.add(e.encode());
                } catch (IOException | RuntimeException e) {
                    moveFailed(source.index, target, e);
                    return;
                }
                admin.execute(() -> {
                    try {
                        ClusterMap now = placement.map();
                        // A deposed driver stops sending: its copy, landing late, would be stale (the target's epochs drop it anyway).
                        r.send(MultiRaft.group(MultiRaft.dataGroupId(target), now.groups.get(target).members(), raftAddresses(now)), entries,
                                () -> source.isLeader() && source.term() == term);
                        var reply = r.proposePlacement(PlacementStateMachine.switchSlots(source.index, target, m.reshardVersion)).get(30, java.util.concurrent.TimeUnit.SECONDS);
                        if (!reply.isSuccess()) throw new IOException("switch refused: " + reply.getException());
                        Log.notice("Raft shards: moved %d slots from shard %d to shard %d: %d keys, %d bytes in %d ms", slots.cardinality(),
                                source.index, target, keysAndBytes[0], keysAndBytes[1], System.currentTimeMillis() - start);
                        mainLoopExecute(() -> {
                            movesDone++;
                            movesInFlight.remove(source.index);
                            switchedNotApplied.put(((long) source.index << 32) | target, System.currentTimeMillis());
                        });
                    } catch (Exception e) {
                        mainLoopExecute(() -> moveFailed(source.index, target, e));
                    }
                });
            }));
        }
    }

    /** A group this node leads opens the slots a move gave it (the switch applied here) once they are copied in. */
    private void openMovedIn(ClusterMap m) {
        for (DataGroup g : local.values()) {
            if (g.moves.accepting.isEmpty() || g.moves.openInFlight || !g.isLeaderReady()) continue;
            java.util.BitSet open = new java.util.BitSet(HashSlot.SLOTS);
            for (int s = g.moves.accepting.nextSetBit(0); s >= 0; s = g.moves.accepting.nextSetBit(s + 1)) if (m.groupOf(s) == g.index) open.set(s);
            if (open.isEmpty()) continue;
            g.moves.openInFlight = true;
            g.propose(SlotMove.open(open, server.engine().now())).whenComplete((reply, t) -> mainLoopExecute(() -> g.moves.openInFlight = false));
        }
    }

    /** The move runs again from its fence at the next cron here, or under the source's next leader. */
    private void moveFailed(int source, int target, Object why) {
        movesInFlight.remove(source);
        Log.warning("Raft shards: moving slots from shard %d to shard %d failed, it will be retried: %s", source, target, why);
    }

    /** A node keeps only the keys of slots whose owner (or reshard target) it replicates: a moved slot's keys go. */
    private void dropForeignSlots(ClusterMap m) {
        Engine engine = server.engine();
        for (int s = 0; s < HashSlot.SLOTS; s++) {
            if (local.containsKey(m.groupOf(s)) || local.containsKey(m.targetOf(s))) continue;
            for (int i = 0; i < engine.dbCount(); i++) {
                var db = engine.db(i);
                if (db.slotIndex().countKeysInSlot(s) == 0) continue;
                List<byte[]> keys = new java.util.ArrayList<>();
                db.slotIndex().forEachKeyInSlot(s, keys::add);
                for (byte[] k : keys) db.delete(k);
            }
        }
    }

    /* ---------------- INFO ---------------- */

    @Override
    public List<String> infoSections() {
        return List.of("raft");
    }

    @Override
    public boolean infoByDefault() {
        return true;
    }

    @Override
    public void info(String section, StringBuilder out) {
        out.append("# Raft\r\n");
        infoFields(out);
    }

    /** INFO raft and RAFT INFO: this node, the placement group, and each data group it replicates. */
    void infoFields(StringBuilder out) {
        ClusterMap m = map();
        MultiRaft r = raft;
        field(out, "raft_id", myId());
        field(out, "raft_shards", String.valueOf(m.shards()));
        field(out, "placement", m.placement.name().toLowerCase(java.util.Locale.ROOT));
        field(out, "map_version", String.valueOf(placement.map().version));
        var pd = r == null ? null : r.division(MultiRaft.PLACEMENT);
        field(out, "placement_role", pd == null ? "starting" : String.valueOf(pd.getInfo().getCurrentRole()).toLowerCase(java.util.Locale.ROOT));
        var pl = pd == null ? null : pd.getInfo().getLeaderId();
        field(out, "placement_leader", pl == null ? "" : pl.toString());
        int led = 0;
        for (DataGroup g : local.values()) if (g.isLeaderReady()) led++;
        field(out, "shards_led", String.valueOf(led));
        List<int[]> moves = m.pendingMoves();
        field(out, "resharding", m.resharding() ? "1" : "0");
        field(out, "moves_pending", String.valueOf(moves.size()));
        field(out, "moves_driven_here", String.valueOf(movesDone));
        List<String> draining = new java.util.ArrayList<>();
        for (ClusterMap.Node n : m.nodes.values()) if (n.draining()) draining.add(n.id());
        field(out, "nodes", String.join(",", m.nodes.keySet()));
        field(out, "draining", String.join(",", draining));
        field(out, "replica_moves_pending", String.valueOf(m.groups.stream().filter(g -> !g.members().equals(g.target())).count()));
        field(out, "replica_steps_in_flight_here", String.valueOf(replicas.inFlight()));
        field(out, "replica_steps_done_here", String.valueOf(replicas.stepsDone));
        for (int i = 0; i < moves.size(); i++) {
            int[] mv = moves.get(i);
            field(out, "move" + i, "from=" + mv[0] + ",to=" + mv[1] + ",slots=" + mv[2] + ",running_here=" + (movesInFlight.contains(mv[0]) ? 1 : 0));
        }
        for (ClusterMap.Group g : m.groups) {
            DataGroup d = local.get(g.index());
            String leader = leaderOf(g.index());
            int slots = 0;
            for (int[] range : m.ranges(g.index())) slots += range[1] - range[0] + 1;
            StringBuilder v = new StringBuilder();
            v.append("role=").append(d == null ? "none" : d.role()).append(",leader=").append(leader == null ? "" : leader)
                    .append(",members=").append(String.join("|", g.members())).append(",slots=").append(slots);
            if (!g.target().equals(g.members())) v.append(",target=").append(String.join("|", g.target()));
            if (d != null) {
                v.append(",term=").append(d.term()).append(",commit_index=").append(d.commitIndex()).append(",applied_index=")
                        .append(d.appliedIndex()).append(",snapshot_index=").append(d.stateMachine.snapshotIndex());
            }
            field(out, "shard" + g.index(), v.toString());
        }
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(name).append(':').append(value).append("\r\n");
    }

    @Override
    public void shutdown() {
        MultiRaft r = raft;
        // The cron does nothing from here on: it must not take the divisions Ratis closes now for replicas it shut down.
        raft = null;
        if (mapPage != null) mapPage.stop();
        gates.shutdownNow();
        if (r != null) r.close();
        admin.shutdownNow();
        replicas.shutdown();
    }

    static RaftGroupId placementGroupId() {
        return MultiRaft.PLACEMENT;
    }
}
