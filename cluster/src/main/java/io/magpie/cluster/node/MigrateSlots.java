package io.magpie.cluster.node;

import io.magpie.cluster.state.ClusterNode;
import io.magpie.cluster.state.ClusterState;
import io.magpie.cluster.state.SlotMigration;
import io.magpie.cluster.state.SlotMigration.Action;
import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Args;
import io.magpie.engine.Blocking;
import io.magpie.engine.Client;
import io.magpie.engine.ReplyException;
import io.magpie.engine.WriteStream;
import io.magpie.engine.WriteUnit;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import io.magpie.persistence.DumpPayload;
import io.magpie.persistence.Persistence;
import io.magpie.server.Log;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CLUSTER MIGRATESLOTS SLOTSRANGE start end [start end ...] NODE node-id [TIMEOUT ms]: moves
 * whole slots to another Magpie master so that no acknowledged write is lost or applied twice,
 * in the spirit of Valkey 9's atomic slot migration, while this node keeps serving them. The
 * phases are {@link SlotMigration}'s; this is their I/O:
 * <ol>
 * <li>a link to the target, which opens the slots for import and takes the link as their import
 * stream ({@link ImportSlots}: CLUSTER IMPORTSLOTS START);</li>
 * <li>the fork-free snapshot ({@link KeyspaceSnapshot}, the one BGSAVE and full sync use) sends
 * the slots' keys as of one instant as RESTORE ... REPLACE ABSTTL; from that same instant the
 * write stream's commands on the slots are kept aside, in order, as a replica's buffer is
 * during its full sync;</li>
 * <li>then the kept writes, and each new write as the stream delivers it (a unit of several as
 * MULTI/EXEC), until the target is close behind;</li>
 * <li>the fence ({@link SlotFence}): commands on the slots wait; once the target has answered
 * everything, it takes every slot in one command (IMPORTSLOTS TAKE, one configEpoch bump); then
 * this node deletes its copies, gives the slots up, and the waiting commands get MOVED.</li>
 * </ol>
 * A failure before the switch cancels: the target drops what it imported ({@link TargetCleanup}:
 * IMPORTSLOTS DROP, retried until the target answers), this node never stopped owning the slots. The client that
 * sent MIGRATESLOTS waits for the outcome: the number of keys moved, or the error.
 */
final class MigrateSlots {
    /** Snapshot bytes waiting for the socket above which the copy pauses (bounds its memory). */
    static final long MAX_UNSENT = 16L << 20;
    /**
     * Commands the target has not answered above which the copy pauses: the target reads a
     * connection's input in large batches, so a deep backlog there would keep its other clients
     * waiting.
     */
    static final long MAX_IN_FLIGHT = 5_000;
    /** Writes kept aside during the snapshot above which the migration gives up (client-output-buffer-limit's role). */
    static final long MAX_KEPT_BYTES = 256L << 20;
    /** Replies the target may owe when the fence starts. */
    static final long FENCE_LAG = 1000;
    static final long FENCE_TIMEOUT_MS = 5_000;

    private MigrateSlots() {}

    /** The command: argv is CLUSTER MIGRATESLOTS SLOTSRANGE a b [a b ...] NODE id [TIMEOUT ms]. */
    static void command(Client c, ClusterModule m) {
        int i = 2;
        if (!c.argIs(i++, "SLOTSRANGE")) throw new ReplyException("ERR syntax error");
        List<int[]> ranges = new ArrayList<>();
        i = ranges(c, i, ranges);
        if (ranges.isEmpty() || i + 1 >= c.argc || !c.argIs(i, "NODE")) throw new ReplyException("ERR syntax error");
        String nodeId = c.argString(i + 1);
        i += 2;
        long timeout = 60_000;
        if (i + 1 < c.argc && c.argIs(i, "TIMEOUT")) {
            timeout = Args.parseLong(c.argv[i + 1]);
            if (timeout <= 0) throw new ReplyException("ERR timeout is not positive");
            i += 2;
        }
        if (i != c.argc) throw new ReplyException("ERR syntax error");
        if (c.multi || c.inExec) throw new ReplyException("ERR MIGRATESLOTS is not allowed in a transaction");

        ClusterState state = m.state;
        ClusterNode target = state.lookupNode(nodeId);
        if (target == null) throw new ReplyException("ERR Unknown node " + nodeId);
        if (target == state.myself()) throw new ReplyException("ERR Can't migrate slots to myself");
        if (target.isSlave()) throw new ReplyException("ERR Target node is not a master");
        if (target.failed()) throw new ReplyException("ERR Target node is failing");
        if (state.myself().isSlave()) throw new ReplyException("ERR Please use MIGRATESLOTS only with masters.");
        if (m.config.tlsCluster) throw new ReplyException("ERR MIGRATESLOTS over tls-cluster is not supported yet");
        if (m.migration != null) throw new ReplyException("ERR A slot migration is already in progress");
        BitSet seen = new BitSet();
        List<Integer> slots = new ArrayList<>();
        for (int[] r : ranges) {
            for (int s = r[0]; s <= r[1]; s++) {
                if (state.slotOwner(s) != state.myself()) throw new ReplyException("ERR I'm not the owner of hash slot " + s);
                if (state.migratingTo(s) != null || state.importingFrom(s) != null || m.fence.isFenced(s) || m.cleaning(s)) {
                    throw new ReplyException("ERR Slot " + s + " is already being migrated or imported");
                }
                if (!seen.get(s)) slots.add(s);
                seen.set(s);
            }
        }
        Run run = new Run(m, c, target, slots.stream().mapToInt(Integer::intValue).toArray(), timeout);
        m.migration = run;
        // The client waits for the outcome, as WAIT's does; a CLIENT UNBLOCK answers without stopping the move.
        m.engine.blocking.block(c, c.db, new byte[0][], 0, new Blocking.Waiter() {
            @Override public boolean tryServe(Client cl, Database db, byte[] key) {
                return false;
            }

            @Override public void timeout(Client cl) {
                cl.addReplyError("ERR slot migration goes on in the background");
            }
        });
        run.drive();
    }

    /** Reads "a b [a b ...]" pairs from argv[i] until NODE or the end; returns the index after them. */
    static int ranges(Client c, int i, List<int[]> out) {
        while (i + 1 < c.argc && !c.argIs(i, "NODE")) {
            int a = slot(c.argString(i)), b = slot(c.argString(i + 1));
            if (a > b) throw new ReplyException("ERR start slot number " + a + " is greater than end slot number " + b);
            out.add(new int[] {a, b});
            i += 2;
        }
        return i;
    }

    /** CLUSTER IMPORTSLOTS verb [source] SLOTSRANGE a b ...: the slots as ranges of consecutive ones. */
    static byte[][] command(String verb, String source, int[] slots) {
        List<String> words = new ArrayList<>(List.of("CLUSTER", "IMPORTSLOTS", verb));
        if (source != null) words.add(source);
        words.add("SLOTSRANGE");
        int[] sorted = slots.clone();
        java.util.Arrays.sort(sorted);
        for (int k = 0; k < sorted.length;) {
            int from = sorted[k];
            while (k + 1 < sorted.length && sorted[k + 1] == sorted[k] + 1) k++;
            words.add(Integer.toString(from));
            words.add(Integer.toString(sorted[k]));
            k++;
        }
        return args(words.toArray(new String[0]));
    }

    private static int slot(String s) {
        long v;
        try {
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ReplyException("ERR Invalid or out of range slot");
        }
        if (v < 0 || v >= ClusterState.SLOTS) throw new ReplyException("ERR Invalid or out of range slot");
        return (int) v;
    }

    static byte[][] args(String... words) {
        byte[][] out = new byte[words.length][];
        for (int i = 0; i < words.length; i++) out[i] = MigrationLink.ascii(words[i]);
        return out;
    }

    /** One migration: the state machine and what carries out its actions. */
    static final class Run implements MigrationLink.Listener, WriteStream.UnitListener, KeyspaceSnapshot.Sink {
        private static final byte[] RESTORE = MigrationLink.ascii("RESTORE"), REPLACE = MigrationLink.ascii("REPLACE"),
                ABSTTL = MigrationLink.ascii("ABSTTL");
        private static final byte[][] MULTI = args("MULTI"), EXEC = args("EXEC");

        private final ClusterModule m;
        private final Client client;
        private final ClusterNode target;
        private final int[] slots;
        private final BitSet moving = new BitSet();
        private final SlotMigration sm;
        private final MigrationLink link = new MigrationLink(this);
        private final KeyReferences keys = new KeyReferences();
        private KeyspaceSnapshot snapshot;
        /** The stream's writes during the snapshot, sent after it; null once streaming directly. */
        private ArrayDeque<ByteBuf> kept;
        private long keptCommands, keptBytes;
        private boolean tapped, driving;
        private long keysCopied, writesStreamed, keysAtSwitch, fencedAtMs;

        Run(ClusterModule m, Client client, ClusterNode target, int[] slots, long timeoutMs) {
            this.m = m;
            this.client = client;
            this.target = target;
            this.slots = slots;
            for (int s : slots) moving.set(s);
            this.sm = new SlotMigration(slots, now(), timeoutMs, Math.min(timeoutMs, FENCE_TIMEOUT_MS), FENCE_LAG);
        }

        private static long now() {
            return System.currentTimeMillis();
        }

        SlotMigration.Phase phase() {
            return sm.phase();
        }

        /** Carries out what the state machine asks, until it asks nothing more. */
        void drive() {
            if (driving) return;
            driving = true;
            try {
                List<Action> actions;
                while (!(actions = sm.ready()).isEmpty()) for (Action a : actions) perform(a);
            } finally {
                driving = false;
            }
        }

        void tick() {
            sm.tick(now());
            drive();
        }

        /** SHUTDOWN or a forced stop: as a failure. */
        void cancel() {
            sm.cancel(now());
            drive();
        }

        private void perform(Action a) {
            switch (a.kind()) {
                case CONNECT -> link.connect(m.server.mainLoop(), m.server.clientChannelClass(), target.ip(), target.port(), 10_000);
                case OPEN_SLOTS -> {
                    link.write(command("START", m.state.myId(), slots));
                    link.flush();
                }
                case START_SNAPSHOT -> startSnapshot();
                case SEND_KEPT_WRITES -> {
                    for (ByteBuf b : kept) link.writeRaw(b);
                    link.flush();
                    kept = null;
                }
                case FENCE -> {
                    fencedAtMs = now();
                    m.fence.fence(slots);
                }
                case SWITCH -> {
                    // Nothing more to stream: clients are held, and the target expires keys on its own (the
                    // same absolute TTLs). Deletions after this are this node dropping slots the target
                    // announced as its own, which must not reach the target.
                    untap();
                    for (int s : slots) keysAtSwitch += m.countKeysInSlot(s);
                    link.write(command("TAKE", null, slots));
                    link.flush();
                }
                case FINISH -> finish();
                case ABORT -> abort(a);
            }
        }

        /* ---------------- the snapshot and the stream ---------------- */

        private void startSnapshot() {
            Persistence p = m.server.persistence();
            // The keyspace has one snapshot at a time: wait for BGSAVE, a rewrite or a full sync to end.
            if (p.bgsaveInProgress() || p.aof().rewriteInProgress()) return;
            try {
                snapshot = KeyspaceSnapshot.start(m.engine, this);
            } catch (IllegalStateException e) {
                return; // another snapshot holds the keyspace: the tick tries again
            }
            p.setReplicationChild(() -> {
                // FLUSHALL, SHUTDOWN: the snapshot is killed as a child would be.
                if (snapshot != null) snapshot.abort();
                snapshot = null;
                sm.failed("the snapshot was stopped (FLUSHALL or shutdown)", now());
                drive();
            });
            kept = new ArrayDeque<>();
            m.engine.writes.addListener(this);
            tapped = true;
            sm.snapshotStarted(now());
            scheduleStep(0);
        }

        private void scheduleStep(long delayNanos) {
            // Scheduled, not executed, so clients get their turn between slices (as BGSAVE's steps).
            m.server.mainLoop().schedule(this::step, delayNanos, TimeUnit.NANOSECONDS);
        }

        private void step() {
            if (snapshot == null || sm.finished()) return;
            if (link.pendingBytes() > MAX_UNSENT || sm.outstanding() > MAX_IN_FLIGHT) {
                scheduleStep(1_000_000);
                return;
            }
            boolean done;
            try {
                long deadline = System.nanoTime() + 1_000_000;
                do {
                    done = snapshot.step(512);
                } while (!done && System.nanoTime() < deadline && sm.outstanding() <= MAX_IN_FLIGHT);
            } catch (RuntimeException e) {
                sm.failed("the snapshot failed: " + e.getMessage(), now());
                drive();
                return;
            }
            link.flush();
            if (!done) {
                scheduleStep(0);
                return;
            }
            snapshot = null;
            m.server.persistence().setReplicationChild(null);
            sm.snapshotDone(keptCommands, now());
            drive();
        }

        @Override
        public void beginDb(int dbIndex, long keyCount, long expires) {}

        @Override
        public void entry(int dbIndex, byte[] key, Object value, long expireMs) {
            if (dbIndex != 0 || !moving.get(HashSlot.keyHashSlot(key))) return;
            Persistence p = m.server.persistence();
            byte[] payload;
            try {
                payload = DumpPayload.create(value, p.rdbcompression.value(), p.listFill());
            } catch (IOException | RuntimeException e) {
                // (maybe inside a client's write, by the copy-on-write hook: fail on a turn of its own)
                m.server.mainLoop().execute(() -> {
                    sm.failed("cannot serialize a key: " + e.getMessage(), now());
                    drive();
                });
                return;
            }
            byte[] ttl = MigrationLink.ascii(Long.toString(expireMs == -1 ? 0 : expireMs));
            link.write(new byte[][] {RESTORE, key, ttl, payload, REPLACE, ABSTTL});
            sm.sent(1);
            keysCopied++;
        }

        @Override
        public void end() {}

        /** The write stream: the unit's commands on the moving slots, kept aside or sent. */
        @Override
        public void onUnit(WriteUnit u) {
            if (sm.finished()) return;
            List<byte[][]> mine = null;
            for (int i = 0; i < u.size(); i++) {
                byte[][] argv = u.argv(i);
                RedisCommand cmd = m.engine.commands.lookupAny(argv, 0, argv.length);
                if (cmd == null || !KeyExtraction.hasKeys(cmd) || KeyExtraction.getKeys(cmd, argv, 0, argv.length, keys) == 0) {
                    String name = cmd == null ? "" : cmd.fullName;
                    if (name.equals("flushall") || name.equals("flushdb") || name.equals("swapdb")) {
                        m.server.mainLoop().execute(() -> {
                            sm.failed("the keyspace was flushed during the migration", now());
                            drive();
                        });
                        return;
                    }
                    continue; // no key, no slot: nothing of the moving slots
                }
                if (u.db(i) != 0 || !moving.get(HashSlot.keyHashSlot(argv[keys.position(0)]))) continue;
                if (mine == null) mine = new ArrayList<>(u.size());
                mine.add(argv);
            }
            if (mine == null) return;
            boolean wrap = u.atomic() && mine.size() > 1;
            ByteBuf out = Unpooled.buffer(64 * mine.size());
            if (wrap) MigrationLink.encode(MULTI, out);
            for (byte[][] argv : mine) MigrationLink.encode(argv, out);
            if (wrap) MigrationLink.encode(EXEC, out);
            long commands = mine.size() + (wrap ? 2 : 0);
            writesStreamed += mine.size();
            if (kept != null) {
                kept.add(out);
                keptCommands += commands;
                keptBytes += out.readableBytes();
                if (keptBytes > MAX_KEPT_BYTES) {
                    m.server.mainLoop().execute(() -> {
                        sm.failed("more than " + MAX_KEPT_BYTES + " bytes of writes kept during the snapshot", now());
                        drive();
                    });
                }
                return;
            }
            link.writeRaw(out);
            link.flush();
            sm.sent(commands);
        }

        /* ---------------- the link ---------------- */

        @Override
        public void connected() {
            sm.connected(now());
            drive();
        }

        @Override
        public void reply(Object reply) {
            sm.replied(reply instanceof ReplyReader.Error e ? e.message() : null, now());
            drive();
        }

        @Override
        public void closed(String reason) {
            sm.failed(reason, now());
            drive();
        }

        /* ---------------- the outcome ---------------- */

        private void stopCopying() {
            if (snapshot != null) {
                snapshot.abort();
                snapshot = null;
                m.server.persistence().setReplicationChild(null);
            }
            untap();
            if (kept != null) for (ByteBuf b : kept) b.release();
            kept = null;
            link.close();
            if (m.migration == this) m.migration = null;
        }

        private void untap() {
            if (tapped) m.engine.writes.removeListener(this);
            tapped = false;
        }

        private void finish() {
            stopCopying();
            long t0 = System.nanoTime();
            m.giveUpSlots(slots, target.name()); // (the bus may have told this node already)
            long moved = keysAtSwitch;
            Log.notice("MIGRATESLOTS: %d slots, %d keys moved to %s (%d copied, %d writes streamed; fenced %d ms, copies deleted"
                    + " in %d ms)", slots.length, moved, target.name(), keysCopied, writesStreamed, now() - fencedAtMs,
                    (System.nanoTime() - t0) / 1_000_000);
            reply(null, moved);
        }


        private void abort(Action a) {
            stopCopying();
            String error;
            if (a.undecided()) {
                // The target may have taken them: they stay fenced until it says (TargetCleanup asks).
                error = "ERR slot migration interrupted while the target took the slots (" + a.reason()
                        + "): they are held until the target tells whether it took them";
            } else {
                m.fence.lift(slots);
                error = "ERR slot migration cancelled, nothing moved: " + a.reason();
            }
            Log.warning("MIGRATESLOTS to %s: %s", target.name(), error);
            m.startCleanup(target.name(), slots, a.undecided());
            reply(error, 0);
        }

        private void reply(String error, long moved) {
            if (!client.blocked || m.engine.clients().get(client.id) != client) return;
            if (error != null) client.addReplyError(error);
            else client.addReplyLongLong(moved);
            m.engine.blocking.unblock(client);
        }
    }
}
