package io.magpie.commands;

/**
 * Where a command's keys sit in its arguments: Redis 7's key specs (begin_search then
 * find_keys), evaluated as db.c's getKeysUsingKeySpecs does. COMMAND GETKEYS, and later
 * cluster slot checks, read keys through these, never through a second list.
 */
record KeySpec(
        // begin_search
        int indexPos,          // >0: "index" search at this position
        String keyword,        // non-null: "keyword" search
        int keywordStartFrom,  // where the keyword search starts (negative: from the end, backwards)
        // find_keys
        boolean keynum,        // "keynum" (else "range")
        int lastKey, int keyStep, int limit,        // range
        int keyNumIdx, int firstKey,                // keynum
        boolean unknown) {     // a spec Redis resolves with a command-specific getkeys_proc

    /**
     * Adds the indexes of this spec's keys in argv to out; returns false when the arguments
     * do not fit the spec (the command itself will report the error).
     */
    boolean keys(byte[][] argv, int argc, java.util.List<Integer> out) {
        if (unknown) return true;
        int first;
        if (keyword == null) {
            first = indexPos;
        } else {
            int start = keywordStartFrom > 0 ? keywordStartFrom : argc + keywordStartFrom;
            int end = keywordStartFrom > 0 ? argc - 1 : 1;
            int step = keywordStartFrom > 0 ? 1 : -1;
            first = -1;
            for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
                if (i <= 0 || i >= argc) break;
                if (new String(argv[i], java.nio.charset.StandardCharsets.ISO_8859_1).equalsIgnoreCase(keyword)) {
                    first = i + 1;
                    break;
                }
            }
            if (first < 0) return true;
        }
        int last, step;
        if (!keynum) {
            if (lastKey >= 0) last = first + lastKey;
            else if (limit <= 1) last = argc + lastKey;
            else last = first + ((argc - first) / limit + lastKey);
            step = keyStep;
        } else {
            int idx = first + keyNumIdx;
            if (idx >= argc) return false;
            long numKeys;
            try {
                numKeys = Long.parseLong(new String(argv[idx], java.nio.charset.StandardCharsets.ISO_8859_1));
            } catch (NumberFormatException e) {
                return false;
            }
            if (numKeys < 0 || numKeys > argc) return false;
            first += firstKey;
            last = first + (int) numKeys - 1;
            step = keyStep;
            if (numKeys == 0) return true;
        }
        if (first >= argc || last >= argc || last < first || step <= 0) return false;
        for (int i = first; i <= last; i += step) out.add(i);
        return true;
    }
}
