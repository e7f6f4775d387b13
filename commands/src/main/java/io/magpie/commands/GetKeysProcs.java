package io.magpie.commands;

/** The getkeys procs of Redis 7.0's commands (db.c), by command name. */
final class GetKeysProcs {
    private GetKeysProcs() {}

    /** The proc of a command or subcommand ("eval", "xread"), or null when its key specs say everything. */
    static GetKeysProc forCommand(String fullName) {
        return switch (fullName) {
            case "set" -> GetKeysProcs::set;
            case "bitfield" -> GetKeysProcs::bitfield;
            case "sort" -> GetKeysProcs::sort;
            case "sort_ro" -> GetKeysProcs::sortRo;
            case "migrate" -> GetKeysProcs::migrate;
            case "xread", "xreadgroup" -> GetKeysProcs::xread;
            case "georadius", "georadiusbymember" -> GetKeysProcs::georadius;
            // COMMAND [destkey] numkeys key [key ...]: (store, count, first) positions.
            case "zunionstore", "zinterstore", "zdiffstore" -> (a, b, n, o) -> numKeys(1, 2, 3, a, b, n, o);
            case "zunion", "zinter", "zdiff", "zintercard", "sintercard", "lmpop", "zmpop" ->
                    (a, b, n, o) -> numKeys(0, 1, 2, a, b, n, o);
            case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "blmpop", "bzmpop" ->
                    (a, b, n, o) -> numKeys(0, 2, 3, a, b, n, o);
            default -> null;
        };
    }

    private static final byte[] GET = Ascii.bytes("get"), STORE = Ascii.bytes("store"), STOREDIST = Ascii.bytes("storedist"),
            LIMIT = Ascii.bytes("limit"), BY = Ascii.bytes("by"), KEYS = Ascii.bytes("keys"),
            AUTH = Ascii.bytes("auth"), AUTH2 = Ascii.bytes("auth2"), BLOCK = Ascii.bytes("block"),
            COUNT = Ascii.bytes("count"), GROUP = Ascii.bytes("group"), NOACK = Ascii.bytes("noack"), STREAMS = Ascii.bytes("streams"),
            SET = Ascii.bytes("set"), INCRBY = Ascii.bytes("incrby"), OVERFLOW = Ascii.bytes("overflow");

    private static boolean is(byte[][] argv, int base, int i, byte[] lower) {
        return Ascii.equalsIgnoreCase(argv[base + i], lower);
    }

    /**
     * genericGetKeys: numkeys at countAt, the keys from firstAt, and a destination at storeAt
     * (0: none) listed after them. A count below 1 or past the arguments names no keys (the
     * command replies with the syntax error). Flags are not set: these commands' key specs
     * carry them whenever the count is valid.
     */
    private static void numKeys(int storeAt, int countAt, int firstAt, byte[][] argv, int base, int argc, KeyReferences out) {
        int num = Ascii.atoi(argv[base + countAt]);
        if (num < 1 || num > argc - firstAt) return;
        for (int i = 0; i < num; i++) out.add(firstAt + i, 0);
        if (storeAt != 0) out.add(storeAt, 0);
    }

    /** SET key value [... GET ...]: GET makes the key read as well as written. */
    private static void set(byte[][] argv, int base, int argc, KeyReferences out) {
        for (int i = 3; i < argc; i++) {
            if (is(argv, base, i, GET)) {
                out.add(1, KeyFlags.RW | KeyFlags.ACCESS | KeyFlags.UPDATE);
                return;
            }
        }
        out.add(1, KeyFlags.OW | KeyFlags.UPDATE);
    }

    /** BITFIELD key [GET ...] [SET ...] [INCRBY ...] [OVERFLOW ...]: read-only when it only GETs. */
    private static void bitfield(byte[][] argv, int base, int argc, KeyReferences out) {
        boolean readonly = true;
        for (int i = 2; i < argc; i++) {
            int remaining = argc - i - 1;
            if (is(argv, base, i, GET) && remaining >= 2) {
                i += 2;
            } else if ((is(argv, base, i, SET) || is(argv, base, i, INCRBY)) && remaining >= 3) {
                readonly = false;
                break;
            } else if (is(argv, base, i, OVERFLOW) && remaining >= 1) {
                i += 1;
            } else {
                readonly = false; // a syntax error: assume it writes
                break;
            }
        }
        out.add(1, readonly ? KeyFlags.RO | KeyFlags.ACCESS : KeyFlags.RW | KeyFlags.ACCESS | KeyFlags.UPDATE);
    }

    /** SORT_RO key ...: the BY/GET patterns name keys only through the data, so only the sorted key. */
    private static void sortRo(byte[][] argv, int base, int argc, KeyReferences out) {
        out.add(1, KeyFlags.RO | KeyFlags.ACCESS);
    }

    /**
     * SORT key ... [STORE dest]: skips the options' arguments (LIMIT 2, GET 1, BY 1) so that a
     * pattern spelled "store" is not a STORE; the last STORE wins, as in SORT itself.
     */
    private static void sort(byte[][] argv, int base, int argc, KeyReferences out) {
        int store = 0;
        for (int i = 2; i < argc; i++) {
            if (is(argv, base, i, LIMIT)) i += 2;
            else if (is(argv, base, i, STORE) && i + 1 < argc) store = i + 1;
            else if (is(argv, base, i, GET) || is(argv, base, i, BY)) i += 1;
        }
        out.add(1, KeyFlags.RO | KeyFlags.ACCESS);
        if (store != 0) out.add(store, KeyFlags.OW | KeyFlags.UPDATE);
    }

    /** MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key ...]. */
    private static void migrate(byte[][] argv, int base, int argc, KeyReferences out) {
        int first = 3, num = 1;
        for (int i = 6; i < argc; i++) {
            if (is(argv, base, i, KEYS)) {
                if (argv[base + 3].length > 0) {
                    num = 0; // a key and KEYS: the command's syntax error
                } else {
                    first = i + 1;
                    num = argc - first;
                }
                break;
            }
            if (is(argv, base, i, AUTH)) i += 1;
            else if (is(argv, base, i, AUTH2)) i += 2;
            // COPY and REPLACE take no argument.
        }
        for (int i = 0; i < num; i++) out.add(first + i, KeyFlags.RW | KeyFlags.ACCESS | KeyFlags.DELETE);
    }

    /**
     * XREAD/XREADGROUP [BLOCK ms] [COUNT n] [GROUP g c] [NOACK] STREAMS key ... id ...: the
     * options are parsed because "streams" may also name a group, a consumer or a key.
     */
    private static void xread(byte[][] argv, int base, int argc, KeyReferences out) {
        int streamsAt = -1;
        for (int i = 1; i < argc; i++) {
            if (is(argv, base, i, BLOCK) || is(argv, base, i, COUNT)) {
                i++;
            } else if (is(argv, base, i, GROUP)) {
                i += 2;
            } else if (is(argv, base, i, NOACK)) {
                continue;
            } else {
                if (is(argv, base, i, STREAMS)) streamsAt = i;
                break;
            }
        }
        if (streamsAt < 0) return;
        int num = argc - streamsAt - 1;
        if (num == 0 || num % 2 != 0) return;
        for (int i = 0; i < num / 2; i++) out.add(streamsAt + 1 + i, 0);
    }

    /** GEORADIUS[BYMEMBER] key ... [STORE key] [STOREDIST key]: the last STORE/STOREDIST wins. */
    private static void georadius(byte[][] argv, int base, int argc, KeyReferences out) {
        int stored = -1;
        for (int i = 5; i < argc; i++) {
            if ((is(argv, base, i, STORE) || is(argv, base, i, STOREDIST)) && i + 1 < argc) {
                stored = i + 1;
                i++;
            }
        }
        out.add(1, 0);
        if (stored >= 0) out.add(stored, 0);
    }
}
