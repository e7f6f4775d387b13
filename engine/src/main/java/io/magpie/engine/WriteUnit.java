package io.magpie.engine;

import java.util.Arrays;

/**
 * One unit of the write stream: the commands one execution propagates (a command, an EXEC,
 * a script's effects, an expiry), delivered to consumers together so that they apply it as
 * one — the AOF and the replication backlog encode an atomic unit of several commands as
 * MULTI/EXEC, a Raft log will make it one entry. Each command keeps the db it ran in and the
 * consumers it is for (Redis's propagation target: a script's redis.set_repl can send its
 * following writes to the AOF only, to replicas only, or to neither).
 *
 * <p>The stream reuses one instance: a consumer reads it during delivery and keeps nothing.
 */
public final class WriteUnit {
    /** Propagation targets (Redis's PROPAGATE_AOF, PROPAGATE_REPL): which consumers a command is for. */
    public static final int AOF = 1, REPLICA = 2, ALL = AOF | REPLICA;

    private int[] dbs = new int[4];
    private int[] targets = new int[4];
    private byte[][][] commands = new byte[4][][];
    private int size;
    private boolean atomic = true;
    /** Some command is not for every consumer: each consumer reads its own {@link #filter}. */
    private boolean partial;
    /** For a filtered view: the whole unit's size and first and last dbs, which decide MULTI/EXEC. */
    private int wholeSize, wholeFirstDb, wholeLastDb;

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

    /**
     * Whether a consumer writes MULTI before the commands and EXEC after them: an atomic unit
     * of more than one command. Redis decides it on the whole unit, so a consumer that gets
     * one command or none of a script's several still writes MULTI and EXEC
     * (propagatePendingCommands sends them to every target).
     */
    public boolean wrap() {
        return atomic && Math.max(size, wholeSize) > 1;
    }

    /** The db MULTI is sent in (the unit's first command's). */
    public int multiDb() {
        return wholeSize > 0 ? wholeFirstDb : dbs[0];
    }

    /** The db EXEC is sent in (the unit's last command's). */
    public int execDb() {
        return wholeSize > 0 ? wholeLastDb : dbs[size - 1];
    }

    void add(int db, byte[][] argv) {
        add(db, argv, ALL);
    }

    void add(int db, byte[][] argv, int target) {
        if (size == dbs.length) {
            dbs = Arrays.copyOf(dbs, size * 2);
            targets = Arrays.copyOf(targets, size * 2);
            commands = Arrays.copyOf(commands, size * 2);
        }
        if (target != ALL) partial = true;
        dbs[size] = db;
        targets[size] = target;
        commands[size++] = argv;
    }

    /** Whether some command is for the AOF only or for replicas only. */
    boolean partial() {
        return partial;
    }

    /** Fills view with the commands for target, keeping what decides the unit's MULTI/EXEC. */
    WriteUnit filter(int target, WriteUnit view) {
        view.clear();
        for (int i = 0; i < size; i++) {
            if ((targets[i] & target) != 0) view.add(dbs[i], commands[i], target);
        }
        view.atomic = atomic;
        view.wholeSize = size;
        view.wholeFirstDb = dbs[0];
        view.wholeLastDb = dbs[size - 1];
        return view;
    }

    void notAtomic() {
        atomic = false;
    }

    void clear() {
        Arrays.fill(commands, 0, size, null);
        size = 0;
        atomic = true;
        partial = false;
        wholeSize = 0;
    }
}
