package io.magpie.raft;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.module.ModuleHost;
import io.magpie.server.module.ServerModule;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Raft mode ({@code raft-enabled yes}): the node is one member of a Raft group (Apache Ratis)
 * whose log orders every write, so the group behaves as one Redis server that loses no
 * acknowledged write. The module plugs the group into dispatch ({@link RaftDispatch}: the
 * topology guard, the consensus write path, the linearizable read path), applies committed
 * entries to the keyspace ({@link RaftApply}), and adds RAFT and INFO raft.
 */
public final class RaftModule implements ServerModule {
    private final MagpieServer server;
    private final RaftConfig config;
    private final Map<String, String> initialMembers;
    private ModuleHost host;
    private volatile RaftNode node;
    private RaftApply apply;
    private RaftDispatch dispatch;
    private RaftBlocking blocking;
    private final LeaderForwarder forwarder = new LeaderForwarder();
    /** Where each member serves clients (ADDRESS entries): a follower's MOVED names the leader's. */
    final Map<String, String> clientAddresses = new HashMap<>();
    private long announcedTerm = -1, announcedSnapshot = -1;
    private boolean expiryInFlight;

    /** Registers the raft-* parameters; call before the config is loaded. */
    public RaftModule(MagpieServer server) {
        this.server = server;
        this.config = new RaftConfig(server.registry());
        this.initialMembers = new java.util.LinkedHashMap<>();
        server.observability().metrics().register(new RaftMetrics(server, this));
        server.observability().statusPage().addSection("raft", () -> RaftStatus.section(this));
        noDumpFile(server);
    }

    /** A Raft node's log and snapshots are its data: no dump.rdb of its own (save ""), single group or sharded. */
    public static void noDumpFile(MagpieServer server) {
        try {
            server.registry().find("save").set("");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean requested(String configText) {
        return RaftConfig.requested(configText);
    }

    @Override
    public String name() {
        return "raft";
    }

    RaftNode node() {
        return node;
    }

    RaftConfig config() {
        return config;
    }

    Engine engine() {
        return server.engine();
    }

    LeaderForwarder forwarder() {
        return forwarder;
    }

    /** This node's client address as other members should give it: the host of its raft address. */
    String myClientAddress() {
        String raftAddress = initialMembers.get(config.id.value());
        String host = raftAddress == null ? "127.0.0.1" : RaftNode.hostOf(raftAddress);
        return host + ":" + server.port();
    }

    @Override
    public void attach(ModuleHost host) {
        this.host = host;
        try (InputStream in = RaftModule.class.getResourceAsStream("raft-commands.json")) {
            if (in == null) throw new IllegalStateException("missing resource raft-commands.json");
            host.defineCommands(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void start() {
        if (config.id.value().isEmpty()) throw new IllegalStateException("raft-enabled yes needs raft-id");
        server.onClientClosed(forwarder::clientClosed);
        initialMembers.putAll(RaftConfig.parseMembers(config.members.value()));
        int port = (int) config.port.value();
        if (port == 0) {
            String mine = initialMembers.get(config.id.value());
            if (mine == null) throw new IllegalStateException("raft-port is not set and raft-members does not name " + config.id.value());
            port = Integer.parseInt(mine.substring(mine.lastIndexOf(':') + 1));
        }
        Engine engine = server.engine();
        CommandPipeline pipeline = engine.pipeline();
        // Replicas expire nothing on their own: only the leader's active expiry proposes it (EXPIRE entries).
        engine.activeExpireEnabled = false;
        engine.expireOnlyWhilePinned = true;
        apply = new RaftApply(this, engine, pipeline);
        dispatch = new RaftDispatch(this, engine, apply);
        blocking = new RaftBlocking(engine, pipeline, dispatch, apply);
        apply.setBlocking(blocking);
        engine.blocking.setGate(blocking);
        // Followers never evict; the leader proposes what it evicts (EVICT entries).
        engine.eviction().setEvictor(new RaftEviction(this, engine));
        pipeline.setTopologyGuard(dispatch::check);
        pipeline.setWritePath(dispatch::write);
        pipeline.setReadPath(dispatch::read);
        pipeline.setHoldBack(dispatch::holdBack);
        new RaftCommands(this, engine).register();
        RaftStateMachine sm = new RaftStateMachine(new RaftStateMachine.Keyspace() {
            @Override public void apply(LogEntry entry, long index) {
                apply.apply(entry, index);
            }

            @Override public void termApplied(long term) {
                apply.termApplied(term);
            }

            @Override public void load(Path rdb) {
                apply.loadSnapshot(server.persistence(), rdb);
            }

            @Override public String snapshot(Path target, Consumer<Boolean> done) {
                return server.persistence().snapshotTo(target, done);
            }

            @Override public <T> T onKeyspaceThread(Callable<T> task) throws Exception {
                return server.onMainThread(task);
            }

            @Override public void execute(Runnable task) {
                server.mainLoop().execute(task);
            }
        });
        File storage = server.config().dir.resolve("raft-" + config.id.value()).toFile();
        GrpcTlsConfig tls = config.tls.value() ? raftTls() : null;
        int raftPort = port;
        // Ratis starts its own threads and loads the newest snapshot through the keyspace
        // thread, so it starts off this thread.
        Thread starter = new Thread(() -> {
            try {
                RaftNode n = new RaftNode(config.id.value(), raftPort, initialMembers, storage, config.readLease.value(),
                        config.snapshotThreshold.value(), config.logSegmentSize.value(), config.adminTimeout.value(), tls, sm);
                n.start();
                node = n;
                Log.notice("Raft member %s listening on port %d, group of %d", config.id.value(), raftPort, initialMembers.size());
            } catch (IOException | RuntimeException e) {
                Throwable root = e;
                while (root.getCause() != null) root = root.getCause();
                Log.warning("Raft member %s failed to start: %s (%s)", config.id.value(), e, root);
                // As a Redis node whose cluster bus cannot listen: a member that cannot serve its
                // group does not run. Left up, it would answer clients while its peers' traffic
                // went to whatever holds its port.
                Log.warning("Failed to start Raft on port %d, aborting.", raftPort);
                System.exit(1);
            }
        }, "magpie-raft-start");
        starter.setDaemon(true);
        starter.start();
    }

    /**
     * raft-tls yes: mutual TLS on every Raft link with the node's own certificate and key
     * (tls-cert-file, tls-key-file, PEM, the key unencrypted PKCS#8) and its CA
     * (tls-ca-cert-file), which must have signed the certificate of every member. Relative
     * names are opened in dir, as the other tls-* files.
     */
    private GrpcTlsConfig raftTls() {
        var t = server.tls().config();
        String cert = t.certFile.get(), key = t.keyFile.get(), ca = t.caCertFile.get();
        if (cert.isEmpty() || key.isEmpty() || ca.isEmpty()) {
            throw new IllegalStateException("raft-tls yes needs tls-cert-file, tls-key-file and tls-ca-cert-file");
        }
        if (!t.keyFilePass.get().isEmpty()) throw new IllegalStateException("raft-tls yes needs an unencrypted tls-key-file");
        var dir = server.config().dir;
        File certFile = dir.resolve(cert).toFile(), keyFile = dir.resolve(key).toFile(), caFile = dir.resolve(ca).toFile();
        for (File f : new File[] {certFile, keyFile, caFile}) {
            if (!f.canRead()) throw new IllegalStateException("raft-tls: cannot read " + f);
        }
        return new GrpcTlsConfig(keyFile, certFile, caFile, true);
    }

    /**
     * The leader announces where it serves clients once per term and after each snapshot (so a
     * member restarting from a snapshot learns it from the log that follows), and runs the
     * active expiry by proposal.
     */
    @Override
    public void cron(long nowMs) {
        if (apply != null) apply.expireUndecided(nowMs);
        RaftNode n = node;
        if (blocking != null) blocking.cron(n != null && n.isLeader());
        if (n == null || !n.isLeaderReady()) return;
        long term = n.term();
        long snapshot = n.snapshotIndex();
        if (term != announcedTerm || snapshot != announcedSnapshot) {
            announcedTerm = term;
            announcedSnapshot = snapshot;
            n.propose(LogEntry.address(config.id.value(), myClientAddress()));
        }
        if (!expiryInFlight) {
            LogEntry e = RaftExpiry.collect(server.engine());
            if (e != null) {
                expiryInFlight = true;
                n.propose(e).whenComplete((r, t) -> server.mainLoop().execute(() -> expiryInFlight = false));
            }
        }
    }

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
        RaftInfo.fields(this, out);
    }

    @Override
    public void shutdown() {
        RaftNode n = node;
        if (n != null) n.close();
        forwarder.shutdown();
    }

    void mainLoopExecute(Runnable task) {
        server.mainLoop().execute(task);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
