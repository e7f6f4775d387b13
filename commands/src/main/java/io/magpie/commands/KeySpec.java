package io.magpie.commands;

/**
 * Where a command's keys sit in its arguments: one of Redis 7's key specs, a begin_search
 * step (an index, or the argument after a keyword) then a find_keys step (a range, or a count
 * argument followed by that many keys). {@link KeyExtraction} evaluates them.
 */
public final class KeySpec {
    enum BeginSearch { INDEX, KEYWORD, UNKNOWN }

    enum FindKeys { RANGE, KEYNUM, UNKNOWN }

    /** {@link KeyFlags} of the keys this spec finds. */
    final int flags;

    final BeginSearch beginSearch;
    /** INDEX: the argv position of the first key. */
    final int index;
    /** KEYWORD: the keyword, lower case, and where the search starts (negative: from the end, backwards). */
    final byte[] keyword;
    final int startFrom;

    final FindKeys findKeys;
    /** RANGE: the last key relative to the first (negative: from the end), the step, and the divisor of the remaining args. */
    final int lastKey, keyStep, limit;
    /** KEYNUM: where the count is, relative to the begin_search result, and where the first key is. */
    final int keyNumIdx, firstKey;

    KeySpec(int flags, BeginSearch beginSearch, int index, byte[] keyword, int startFrom,
            FindKeys findKeys, int lastKey, int keyStep, int limit, int keyNumIdx, int firstKey) {
        this.flags = flags;
        this.beginSearch = beginSearch;
        this.index = index;
        this.keyword = keyword;
        this.startFrom = startFrom;
        this.findKeys = findKeys;
        this.lastKey = lastKey;
        this.keyStep = keyStep;
        this.limit = limit;
        this.keyNumIdx = keyNumIdx;
        this.firstKey = firstKey;
    }

    public int flags() {
        return flags;
    }

    /** An INDEX + RANGE spec: the keys sit at fixed places (the only kind that is not "movablekeys"). */
    boolean isFixed() {
        return beginSearch == BeginSearch.INDEX && findKeys == FindKeys.RANGE;
    }
}
