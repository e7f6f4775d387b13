package io.magpie.commands;

/**
 * A command-specific key finder (Redis's getkeys_proc), for commands whose keys depend on
 * their arguments in ways key specs cannot say: SORT ... STORE, MIGRATE ... KEYS, EVAL's
 * numkeys, XREAD's STREAMS, SET ... GET's flags.
 */
@FunctionalInterface
interface GetKeysProc {
    /** Adds the keys of argv[base .. base+argc) to out, positions relative to base. */
    void getKeys(byte[][] argv, int base, int argc, KeyReferences out);
}
