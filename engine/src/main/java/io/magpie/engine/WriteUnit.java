package io.magpie.engine;

import java.util.Arrays;

/**
 * One unit of the write stream: the commands one execution propagates (a command, an EXEC,
 * a script's effects, an expiry), delivered to consumers together so that they apply it as
 * one — the AOF and the replication backlog encode an atomic unit of several commands as
 * MULTI/EXEC, a Raft log will make it one entry. Each command keeps the db it ran in.
 *
 * <p>The stream reuses one instance: a consumer reads it during delivery and keeps nothing.
 */
public final class WriteUnit {
    private int[] dbs = new int[4];
    private byte[][][] commands = new byte[4][][];
    private int size;
    private boolean atomic = true;

    /** The number of commands. */
    public int size() {
        return size;
    }

    public int db(int i) {
        return dbs[i];
    }

    public byte[][] argv(int i) {
        return commands[i];
    }

    /**
     * Whether the commands must apply as one (MULTI/EXEC around them when more than one).
     * False for a unit of unrelated deletions (FLUSHALL's, active expiry's), which Redis
     * propagates one by one.
     */
    public boolean atomic() {
        return atomic;
    }

    void add(int db, byte[][] argv) {
        if (size == dbs.length) {
            dbs = Arrays.copyOf(dbs, size * 2);
            commands = Arrays.copyOf(commands, size * 2);
        }
        dbs[size] = db;
        commands[size++] = argv;
    }

    void notAtomic() {
        atomic = false;
    }

    void clear() {
        Arrays.fill(commands, 0, size, null);
        size = 0;
        atomic = true;
    }
}
