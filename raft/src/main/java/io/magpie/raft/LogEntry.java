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
 * time: only the leader's active expiry proposes it. A BATCH is several WRITEs proposed
 * together by one member (one Raft entry), applied in order, each as if it were an entry.
 */
public record LogEntry(byte type, String origin, long seq, int db, long timeMs, long seed, boolean atomic, List<byte[][]> commands,
        String member, String clientAddress) {
    public static final byte WRITE = 1, ADDRESS = 2, EXPIRE = 3, BATCH = 4;

    /** atomic: the commands of a MULTI/EXEC, applied inside MULTI/EXEC even when there is one. */
    public static LogEntry write(String origin, long seq, int db, long timeMs, long seed, boolean atomic, List<byte[][]> commands) {
        return new LogEntry(WRITE, origin, seq, db, timeMs, seed, atomic, commands, null, null);
    }

    public static LogEntry address(String member, String clientAddress) {
        return new LogEntry(ADDRESS, "", 0, 0, 0, 0, false, List.of(), member, clientAddress);
    }

    /** The keys are the one "command" of the entry. */
    public static LogEntry expire(int db, long timeMs, byte[][] keys) {
        return new LogEntry(EXPIRE, "", 0, db, timeMs, 0, false, List.<byte[][]>of(keys), null, null);
    }

    /** Each write's encoding is one "command" of the batch. */
    public static LogEntry batch(List<LogEntry> writes) {
        List<byte[][]> parts = new ArrayList<>(writes.size());
        for (LogEntry w : writes) parts.add(new byte[][] {w.encode()});
        return new LogEntry(BATCH, "", 0, 0, 0, 0, false, parts, null, null);
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
                for (byte[][] argv : commands) {
                    out.writeInt(argv.length);
                    for (byte[] a : argv) {
                        out.writeInt(a.length);
                        out.write(a);
                    }
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static LogEntry decode(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            byte type = in.readByte();
            if (type == ADDRESS) return address(in.readUTF(), in.readUTF());
            if (type != WRITE && type != EXPIRE && type != BATCH) throw new IllegalArgumentException("unknown raft entry type " + type);
            String origin = in.readUTF();
            long seq = in.readLong();
            int db = in.readInt();
            long time = in.readLong();
            long seed = in.readLong();
            boolean atomic = in.readBoolean();
            int n = in.readInt();
            List<byte[][]> commands = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[][] argv = new byte[in.readInt()][];
                for (int j = 0; j < argv.length; j++) {
                    argv[j] = new byte[in.readInt()];
                    in.readFully(argv[j]);
                }
                commands.add(argv);
            }
            return new LogEntry(type, origin, seq, db, time, seed, atomic, commands, null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
