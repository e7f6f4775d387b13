package io.magpie.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one Raft log entry carries. A WRITE is one write unit (one command, or the commands of
 * one MULTI/EXEC) with the leader's time and a random seed, so that every replica's engine
 * applies it to the same result; origin and seq name the client that proposed it on its node.
 * An ADDRESS tells every replica where a member serves clients (followers answer MOVED with the
 * leader's). An EXPIRE asks every replica to expire these keys if they are due at the entry's
 * time: only the leader's active expiry proposes it. An EVICT asks every replica to evict these
 * keys: only the leader's eviction proposes it, as a Redis replica never evicts on its own.
 * A BATCH is several WRITEs proposed together by one member (one Raft entry), applied in
 * order, each as if it were an entry. A WRITE of an EXEC carries the keys its client WATCHed with the version it saw of each: every
 * member checks them when it applies the entry, so that the same EXEC aborts everywhere or nowhere.
 */
public record LogEntry(byte type, String origin, long seq, int db, long timeMs, long seed, boolean atomic, List<byte[][]> commands,
        String member, String clientAddress, List<Watched> watches) {
    public static final byte WRITE = 1, ADDRESS = 2, EXPIRE = 3, EVICT = 4, BATCH = 5;

    /** A WATCHed key of db and the version of it the client saw (see {@link WatchVersions}). */
    public record Watched(int db, byte[] key, byte[] version) {}

    public LogEntry {
        if (watches == null) watches = List.of();
    }

    /** atomic: the commands of a MULTI/EXEC, applied inside MULTI/EXEC even when there is one. */
    public static LogEntry write(String origin, long seq, int db, long timeMs, long seed, boolean atomic, List<byte[][]> commands) {
        return new LogEntry(WRITE, origin, seq, db, timeMs, seed, atomic, commands, null, null, null);
    }

    /** The same entry with the proposal sequence of its parked client. */
    public LogEntry withSeq(long sequence) {
        return new LogEntry(type, origin, sequence, db, timeMs, seed, atomic, commands, member, clientAddress, watches);
    }

    /** The same write, applied only if every watched key still has the version given. */
    public LogEntry watching(List<Watched> watched) {
        return new LogEntry(type, origin, seq, db, timeMs, seed, atomic, commands, member, clientAddress, watched);
    }

    public static LogEntry address(String member, String clientAddress) {
        return new LogEntry(ADDRESS, "", 0, 0, 0, 0, false, List.of(), member, clientAddress, null);
    }

    /** The keys are the one "command" of the entry. */
    public static LogEntry expire(int db, long timeMs, byte[][] keys) {
        return new LogEntry(EXPIRE, "", 0, db, timeMs, 0, false, List.<byte[][]>of(keys), null, null, null);
    }

    /** The keys are the one "command" of the entry. */
    public static LogEntry evict(int db, long timeMs, byte[][] keys) {
        return new LogEntry(EVICT, "", 0, db, timeMs, 0, false, List.<byte[][]>of(keys), null, null, null);
    }

    /** Each write's encoding is one "command" of the batch. */
    public static LogEntry batch(List<LogEntry> writes) {
        List<byte[][]> parts = new ArrayList<>(writes.size());
        for (LogEntry w : writes) parts.add(new byte[][] {w.encode()});
        return new LogEntry(BATCH, "", 0, 0, 0, 0, false, parts, null, null, null);
    }

    /** The writes of a BATCH, in the order they were proposed. */
    public List<LogEntry> writes() {
        List<LogEntry> out = new ArrayList<>(commands.size());
        for (byte[][] part : commands) out.add(decode(part[0]));
        return out;
    }

    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(type);
            if (type == ADDRESS) {
                out.writeUTF(member);
                out.writeUTF(clientAddress);
            } else {
                out.writeUTF(origin);
                out.writeLong(seq);
                out.writeInt(db);
                out.writeLong(timeMs);
                out.writeLong(seed);
                out.writeBoolean(atomic);
                out.writeInt(commands.size());
                for (byte[][] argv : commands) writeArgv(out, argv);
                // Optional tail (entries written before WATCH was checked at apply have none).
                if (!watches.isEmpty()) {
                    out.writeInt(watches.size());
                    for (Watched w : watches) {
                        out.writeInt(w.db());
                        writeArgv(out, new byte[][] {w.key(), w.version()});
                    }
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeArgv(DataOutputStream out, byte[][] argv) throws IOException {
        out.writeInt(argv.length);
        for (byte[] a : argv) {
            out.writeInt(a.length);
            out.write(a);
        }
    }

    private static byte[][] readArgv(DataInputStream in) throws IOException {
        byte[][] argv = new byte[in.readInt()][];
        for (int j = 0; j < argv.length; j++) {
            argv[j] = new byte[in.readInt()];
            in.readFully(argv[j]);
        }
        return argv;
    }

    public static LogEntry decode(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            byte type = in.readByte();
            if (type == ADDRESS) return address(in.readUTF(), in.readUTF());
            if (type != WRITE && type != EXPIRE && type != EVICT && type != BATCH) throw new IllegalArgumentException("unknown raft entry type " + type);
            String origin = in.readUTF();
            long seq = in.readLong();
            int db = in.readInt();
            long time = in.readLong();
            long seed = in.readLong();
            boolean atomic = in.readBoolean();
            int n = in.readInt();
            List<byte[][]> commands = new ArrayList<>(n);
            for (int i = 0; i < n; i++) commands.add(readArgv(in));
            List<Watched> watches = new ArrayList<>();
            if (in.available() > 0) {
                int w = in.readInt();
                for (int i = 0; i < w; i++) {
                    int wdb = in.readInt();
                    byte[][] kv = readArgv(in);
                    watches.add(new Watched(wdb, kv[0], kv[1]));
                }
            }
            return new LogEntry(type, origin, seq, db, time, seed, atomic, commands, null, null, watches);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
