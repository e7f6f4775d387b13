package io.magpie.cluster.node;

import io.magpie.cluster.state.ClusterNode;
import io.magpie.cluster.state.ClusterState;
import io.magpie.engine.Client;
import io.magpie.engine.ReplyException;
import io.magpie.engine.keyspace.Database;
import io.magpie.persistence.DumpPayload;
import io.magpie.server.Log;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CLUSTER MIGRATESLOTS SLOTSRANGE start end [start end ...] NODE node-id: moves whole slots to
 * another master so that no acknowledged write is lost or applied twice, in the spirit of
 * Valkey 9's atomic slot migration. It runs on the keyspace thread from start to end, so no
 * command of this node runs meanwhile: the copy is a consistent snapshot of the slots, no write
 * can land between the copy and the switch, and the switch is one fenced moment. Steps:
 * <ol>
 * <li>the target opens the slots for import (CLUSTER SETSLOT slot IMPORTING me);</li>
 * <li>every key of the slots goes over as RESTORE-ASKING ... REPLACE with its DUMP payload and
 * remaining TTL (REPLACE: a leftover of an earlier try is overwritten, never doubled);</li>
 * <li>the target takes the slots (SETSLOT NODE, which bumps its epoch and tells the cluster),
 * then this node deletes its copies (propagated as DEL to its replicas) and gives the slots up.</li>
 * </ol>
 * On a failure before the switch the target's copies are deleted and its slots closed again,
 * so nothing is left half-moved; this node never stopped owning the slots. The price of the
 * simplicity: clients of this node wait while the slots' data crosses (as with MIGRATE of many
 * keys), unlike a copy streamed beside the traffic.
 */
final class MigrateSlots {
    private static final int BATCH = 256;

    private MigrateSlots() {}

    /** The command: argv is CLUSTER MIGRATESLOTS SLOTSRANGE a b [a b ...] NODE id [TIMEOUT ms]. */
    static void command(Client c, ClusterModule m) {
        int i = 2;
        if (!c.argIs(i++, "SLOTSRANGE")) throw new ReplyException("ERR syntax error");
        List<int[]> ranges = new ArrayList<>();
        while (i + 1 < c.argc && !c.argIs(i, "NODE")) {
            int a = slot(c.argString(i)), b = slot(c.argString(i + 1));
            if (a > b) throw new ReplyException("ERR start slot number " + a + " is greater than end slot number " + b);
            ranges.add(new int[] {a, b});
            i += 2;
        }
        if (ranges.isEmpty() || i + 1 >= c.argc || !c.argIs(i, "NODE")) throw new ReplyException("ERR syntax error");
        String nodeId = c.argString(i + 1);
        i += 2;
        long timeout = 10_000;
        if (i + 1 < c.argc && c.argIs(i, "TIMEOUT")) {
            timeout = io.magpie.engine.Args.parseLong(c.argv[i + 1]);
            if (timeout <= 0) throw new ReplyException("ERR timeout is not positive");
            i += 2;
        }
        if (i != c.argc) throw new ReplyException("ERR syntax error");

        ClusterState state = m.state;
        ClusterNode target = state.lookupNode(nodeId);
        if (target == null) throw new ReplyException("ERR Unknown node " + nodeId);
        if (target == state.myself()) throw new ReplyException("ERR Can't migrate slots to myself");
        if (target.isSlave()) throw new ReplyException("ERR Target node is not a master");
        if (target.failed()) throw new ReplyException("ERR Target node is failing");
        if (state.myself().isSlave()) throw new ReplyException("ERR Please use MIGRATESLOTS only with masters.");
        if (m.config.tlsCluster) throw new ReplyException("ERR MIGRATESLOTS over tls-cluster is not supported yet");
        List<Integer> slots = new ArrayList<>();
        for (int[] r : ranges) {
            for (int s = r[0]; s <= r[1]; s++) {
                if (state.slotOwner(s) != state.myself()) throw new ReplyException("ERR I'm not the owner of hash slot " + s);
                if (state.migratingTo(s) != null || state.importingFrom(s) != null) {
                    throw new ReplyException("ERR Slot " + s + " is already being migrated or imported");
                }
                if (!slots.contains(s)) slots.add(s);
            }
        }
        long moved = new MigrateSlots.Run(m, target, slots, timeout).run();
        c.addReplyLongLong(moved);
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

    /** One migration: its link to the target and the keys sent so far (to delete them there on a failure). */
    private static final class Run {
        private final ClusterModule m;
        private final ClusterNode target;
        private final List<Integer> slots;
        private final long timeout;
        private final List<byte[]> sent = new ArrayList<>();
        private Socket socket;
        private OutputStream out;
        private InputStream in;

        Run(ClusterModule m, ClusterNode target, List<Integer> slots, long timeout) {
            this.m = m;
            this.target = target;
            this.slots = slots;
            this.timeout = timeout;
        }

        /** The number of keys moved. */
        long run() {
            try {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout));
                socket.connect(new InetSocketAddress(target.ip(), target.port()), (int) Math.min(Integer.MAX_VALUE, timeout));
                out = socket.getOutputStream();
                in = new BufferedInputStream(socket.getInputStream());
            } catch (IOException e) {
                close();
                throw new ReplyException("IOERR error or timeout connecting to the target node: " + e.getMessage());
            }
            boolean switched = false;
            try {
                String myId = m.state.myId();
                List<byte[][]> open = new ArrayList<>();
                for (int s : slots) open.add(args("CLUSTER", "SETSLOT", Integer.toString(s), "IMPORTING", myId));
                exchange(open);
                copyKeys();
                List<byte[][]> take = new ArrayList<>();
                for (int s : slots) take.add(args("CLUSTER", "SETSLOT", Integer.toString(s), "NODE", target.name()));
                switched = true; // from here the target may own some of the slots: no cancel
                exchange(take);
            } catch (IOException | TargetError e) {
                if (!switched) {
                    cancel();
                    close();
                    throw new ReplyException("ERR slot migration cancelled, nothing moved: " + e.getMessage());
                }
                // The target may have taken some slots: those its SETSLOT NODE acknowledged are its own
                // now; this node learns it through the bus (and then drops its copies) as after any move.
                close();
                throw new ReplyException("ERR slot migration failed while the target took the slots: " + e.getMessage());
            }
            close();
            // The fenced moment: the target owns the slots; this node drops its copies and gives them up.
            long moved = 0;
            for (int s : slots) {
                moved += m.deleteKeysInSlot(s);
                m.state.setSlotNode(s, target.name(), 0);
            }
            Log.notice("MIGRATESLOTS: %d slots, %d keys moved to %s", slots.size(), moved, target.name());
            return moved;
        }

        /** Every key of the slots as RESTORE-ASKING key ttl payload REPLACE, in pipelined batches. */
        private void copyKeys() throws IOException, TargetError {
            Database db = m.engine.db(0);
            var p = m.server.persistence();
            long now = m.engine.now();
            List<byte[][]> batch = new ArrayList<>();
            for (int s : slots) {
                List<byte[]> keys = new ArrayList<>();
                db.slotIndex().forEachKeyInSlot(s, keys::add);
                for (byte[] key : keys) {
                    Object value = db.lookupNoTouch(key);
                    if (value == null) continue; // logically expired: not moved, deleted here at the switch
                    long expireAt = db.getExpire(key);
                    long ttl = expireAt == -1 ? 0 : Math.max(1, expireAt - now);
                    byte[] payload;
                    try {
                        payload = DumpPayload.create(value, p.rdbcompression.value(), p.listFill());
                    } catch (IllegalStateException e) {
                        throw new TargetError("cannot serialize a key: " + e.getMessage());
                    }
                    batch.add(new byte[][] {ascii("RESTORE-ASKING"), key, ascii(Long.toString(ttl)), payload, ascii("REPLACE")});
                    sent.add(key);
                    if (batch.size() == BATCH) {
                        exchange(batch);
                        batch.clear();
                    }
                }
            }
            if (!batch.isEmpty()) exchange(batch);
        }

        /** Deletes on the target what was sent, then closes its slots again: nothing stays half-moved there. */
        private void cancel() {
            if (out == null) return;
            try {
                List<byte[][]> undo = new ArrayList<>();
                for (byte[] key : sent) {
                    undo.add(args("ASKING"));
                    undo.add(new byte[][] {ascii("DEL"), key});
                }
                for (int s : slots) undo.add(args("CLUSTER", "SETSLOT", Integer.toString(s), "STABLE"));
                for (int from = 0; from < undo.size(); from += BATCH) exchange(undo.subList(from, Math.min(undo.size(), from + BATCH)));
            } catch (IOException | TargetError e) {
                Log.warning("MIGRATESLOTS: could not undo the copy on %s: %s", target.name(), e.getMessage());
            }
        }

        /** Sends the commands in one write and reads one reply each; an error reply is a TargetError. */
        private void exchange(List<byte[][]> commands) throws IOException, TargetError {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            for (byte[][] cmd : commands) {
                buf.write(ascii("*" + cmd.length + "\r\n"));
                for (byte[] a : cmd) {
                    buf.write(ascii("$" + a.length + "\r\n"));
                    buf.write(a);
                    buf.write('\r');
                    buf.write('\n');
                }
            }
            out.write(buf.toByteArray());
            out.flush();
            String error = null;
            for (int j = 0; j < commands.size(); j++) {
                String line = readLine();
                if (line.startsWith("-") && error == null) error = line.substring(1);
                else if (line.startsWith(":") || line.startsWith("+")) continue;
                else if (!line.startsWith("-")) throw new IOException("unexpected reply " + line);
            }
            if (error != null) throw new TargetError("the target replied " + error);
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int b = in.read();
                if (b < 0) throw new IOException("connection closed by the target");
                if (b == '\n') {
                    int n = sb.length();
                    if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                    return sb.toString();
                }
                if (sb.length() < 1024) sb.append((char) b);
            }
        }

        private void close() {
            try {
                if (socket != null) socket.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    /** The target refused a command. */
    private static final class TargetError extends Exception {
        TargetError(String message) {
            super(message);
        }
    }

    private static byte[][] args(String... words) {
        byte[][] out = new byte[words.length][];
        for (int i = 0; i < words.length; i++) out[i] = ascii(words[i]);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
