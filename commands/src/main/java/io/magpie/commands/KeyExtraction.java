package io.magpie.commands;

/**
 * Finds the keys of a command call (db.c's getKeysFromCommandWithSpecs): by the key specs when
 * they are complete and their flags fixed, else by the command's getkeys proc. Positions are
 * relative to {@code base}, so COMMAND GETKEYS reads a call nested in its own argv without
 * copying it. Nothing here allocates once the caller's {@link KeyReferences} is big enough.
 */
public final class KeyExtraction {
    private KeyExtraction() {}

    /** True when the command can name keys at all (doesCommandHaveKeys). */
    public static boolean hasKeys(RedisCommand cmd) {
        return cmd.getKeysProc != null || cmd.hasKeySpec;
    }

    /**
     * Fills out with the keys of the call argv[base .. base+argc) to cmd; returns their number.
     * An invalid call (a count that is not a number, too few arguments) names no keys: the
     * command itself reports the error.
     */
    public static int getKeys(RedisCommand cmd, byte[][] argv, int base, int argc, KeyReferences out) {
        out.clear();
        if (cmd.hasKeySpec && !cmd.hasVariableFlags) {
            if (getKeysUsingKeySpecs(cmd, argv, base, argc, out)) return out.count();
            // An invalid or incomplete spec: the proc knows better.
            out.clear();
        }
        if (cmd.getKeysProc != null) {
            cmd.getKeysProc.getKeys(argv, base, argc, out);
            return out.count();
        }
        return 0;
    }

    /** getKeysUsingKeySpecs: false when a spec does not fit the arguments or is incomplete. */
    static boolean getKeysUsingKeySpecs(RedisCommand cmd, byte[][] argv, int base, int argc, KeyReferences out) {
        for (KeySpec spec : cmd.keySpecs) {
            if ((spec.flags & KeyFlags.NOT_KEY) != 0) continue;
            int first;
            switch (spec.beginSearch) {
                case INDEX -> first = spec.index;
                case KEYWORD -> {
                    first = keywordSearch(spec, argv, base, argc);
                    if (first == 0) continue; // no keyword, no keys of this spec
                }
                default -> {
                    return false;
                }
            }
            int last, step;
            switch (spec.findKeys) {
                case RANGE -> {
                    step = spec.keyStep;
                    if (spec.lastKey >= 0) last = first + spec.lastKey;
                    else if (spec.limit == 0) last = argc + spec.lastKey;
                    else last = first + ((argc - first) / spec.limit + spec.lastKey);
                }
                case KEYNUM -> {
                    step = spec.keyStep;
                    int at = first + spec.keyNumIdx;
                    if (at >= argc) return false;
                    long numKeys = Ascii.strictLong(argv[base + at]);
                    if (numKeys < 0) return false;
                    first += spec.firstKey;
                    last = first + (int) numKeys - 1; // (int) as Redis: a count past 2^31 wraps
                }
                default -> {
                    return false;
                }
            }
            if (last >= argc || last < first || first >= argc) return false;
            for (int i = first; i <= last; i += step) out.add(i, spec.flags);
            if ((spec.flags & KeyFlags.INCOMPLETE) != 0) return false;
        }
        return true;
    }

    /** The position after the spec's keyword, searched from startFrom forwards (or from the end backwards), or 0. */
    private static int keywordSearch(KeySpec spec, byte[][] argv, int base, int argc) {
        int start = spec.startFrom > 0 ? spec.startFrom : argc + spec.startFrom;
        int end = spec.startFrom > 0 ? argc - 1 : 1;
        int dir = start <= end ? 1 : -1;
        for (int i = start; i != end; i += dir) {
            if (i >= argc || i < 1) break;
            if (Ascii.equalsIgnoreCase(argv[base + i], spec.keyword)) return i + 1;
        }
        return 0;
    }
}
