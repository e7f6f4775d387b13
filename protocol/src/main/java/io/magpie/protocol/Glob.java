package io.magpie.protocol;

/**
 * Redis 7.0's glob-style matcher (util.c stringmatchlen): * ? [abc] [^a] [a-z] and \ escapes,
 * over bytes. Every pattern in the server goes through it: KEYS, SCAN MATCH, PSUBSCRIBE,
 * PUBSUB CHANNELS, CONFIG GET, COMMAND LIST FILTERBY PATTERN and Sentinel's patterns.
 *
 * <p>Redis's matcher recurses at each '*'; with its guard against abusive patterns (the fix for
 * CVE-2022-36021: once the rest of the pattern after a '*' matches nowhere in the rest of the
 * string, no earlier '*' can help by taking a longer substring, so the whole match fails) it
 * only ever resumes the innermost '*'. This is that search written as a loop, so a pattern of
 * many stars costs no stack: "a*a*a*...b" against a long key takes time linear in the pattern
 * times the key. Its other guard is kept too: a match needing more than 1000 nested stars
 * fails, as Redis's does.
 *
 * <p>Bytes compare as C's signed chars, so a range such as [a-\xff] behaves as Redis's does.
 */
public final class Glob {
    private static final int MAX_NESTING = 1000;

    private Glob() {}

    public static boolean match(byte[] p, byte[] s, boolean nocase) {
        int plen = p.length, slen = s.length;
        int pi = 0, si = 0, nesting = 0;
        // The innermost '*' being tried: where the pattern resumes after it, where in the
        // string it resumes next, and its nesting level. -1: no star, a mismatch is final.
        int starP = -1, starS = -1, starNesting = 0;
        while (true) {
            boolean failed = false;
            while (pi < plen && si < slen) {
                byte pc = p[pi];
                if (pc == '*') {
                    while (pi + 1 < plen && p[pi + 1] == '*') pi++;
                    if (pi + 1 == plen) return true;
                    if (++nesting > MAX_NESTING) return false;
                    starP = ++pi;
                    starS = si;
                    starNesting = nesting;
                    continue;
                }
                if (pc == '?') {
                    si++;
                } else if (pc == '[') {
                    pi = matchClass(p, pi + 1, s[si], nocase);
                    if (pi < 0) {
                        failed = true;
                        break;
                    }
                    si++;
                } else {
                    if (pc == '\\' && pi + 1 < plen) pi++;
                    if (!eq(p[pi], s[si], nocase)) {
                        failed = true;
                        break;
                    }
                    si++;
                }
                pi++;
                if (si == slen) {
                    while (pi < plen && p[pi] == '*') pi++;
                    break;
                }
            }
            if (!failed && pi == plen && si == slen) return true;
            // Resume the innermost star one byte further; a star never takes the whole rest.
            if (starP < 0 || ++starS >= slen) return false;
            pi = starP;
            si = starS;
            nesting = starNesting;
        }
    }

    /**
     * Matches c against the class whose body starts at pi (after '['). Returns the index of
     * its closing ']' (or of the pattern's last byte when unclosed), or -1 when c is not in it.
     */
    private static int matchClass(byte[] p, int pi, byte c0, boolean nocase) {
        int plen = p.length;
        boolean not = pi < plen && p[pi] == '^';
        if (not) pi++;
        boolean matched = false;
        while (true) {
            if (pi + 1 < plen && p[pi] == '\\') {
                pi++;
                if (p[pi] == c0) matched = true;
            } else if (pi < plen && p[pi] == ']') {
                break;
            } else if (pi >= plen) {
                pi--; // the pattern ended inside the brackets: as if closed there
                break;
            } else if (pi + 2 < plen && p[pi + 1] == '-') {
                int start = p[pi], end = p[pi + 2], c = c0;
                if (start > end) {
                    int t = start;
                    start = end;
                    end = t;
                }
                if (nocase) {
                    start = lower(start);
                    end = lower(end);
                    c = lower(c);
                }
                pi += 2;
                if (c >= start && c <= end) matched = true;
            } else if (eq(p[pi], c0, nocase)) {
                matched = true;
            }
            pi++;
        }
        return matched != not ? pi : -1;
    }

    /** C's tolower on a (signed) char: only ASCII letters change. */
    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    private static boolean eq(byte a, byte b, boolean nocase) {
        return a == b || (nocase && lower(a) == lower(b));
    }
}
