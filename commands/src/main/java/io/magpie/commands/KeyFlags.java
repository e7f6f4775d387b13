package io.magpie.commands;

/**
 * The flags of a key spec and of each key a command call names (Redis's CMD_KEY_*): how the
 * command uses the key. ACL key permissions, COMMAND GETKEYSANDFLAGS and COMMAND INFO read them.
 */
public final class KeyFlags {
    private KeyFlags() {}

    /** Reads the value (and does nothing else to it). */
    public static final int RO = 1;
    /** Reads and writes the value. */
    public static final int RW = 1 << 1;
    /** Overwrites the value without reading it. */
    public static final int OW = 1 << 2;
    /** Removes the key. */
    public static final int RM = 1 << 3;
    /** Returns, copies or uses the user data of the value. */
    public static final int ACCESS = 1 << 4;
    /** Updates data in the value. */
    public static final int UPDATE = 1 << 5;
    /** Adds data to the value. */
    public static final int INSERT = 1 << 6;
    /** Deletes data from the value. */
    public static final int DELETE = 1 << 7;
    /** Not a key (a shard channel): found by the spec but not a key of the keyspace. */
    public static final int NOT_KEY = 1 << 8;
    /** The spec may miss keys; the command's getkeys proc finds them all. */
    public static final int INCOMPLETE = 1 << 9;
    /** The flags depend on the arguments (SET ... GET); the getkeys proc tells them. */
    public static final int VARIABLE_FLAGS = 1 << 10;

    /** Flag names as Redis prints them, in the order it prints them (index = bit). */
    static final String[] NAMES = {
        "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags",
    };

    /** The flag of a name from the command metadata. */
    static int of(String name) {
        for (int i = 0; i < NAMES.length; i++) if (NAMES[i].equals(name)) return 1 << i;
        throw new IllegalArgumentException("unknown key spec flag " + name);
    }

    /** Number of flags set. */
    public static int count(int flags) {
        return Integer.bitCount(flags & ((1 << NAMES.length) - 1));
    }

    /** The name of the flag at bit i, for replies (see {@link #count}). */
    public static String name(int bit) {
        return NAMES[bit];
    }

    public static int bits() {
        return NAMES.length;
    }
}
