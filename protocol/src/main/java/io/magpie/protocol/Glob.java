package io.magpie.protocol;

/**
 * Redis's glob-style matcher (util.c stringmatchlen): * ? [abc] [^a] [a-z] and \ escapes,
 * over bytes. Used by KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG GET.
 */
public final class Glob {
    private Glob() {}

    public static boolean match(byte[] pattern, byte[] string, boolean nocase) {
        return match(pattern, 0, string, 0, nocase, 0);
    }

    private static boolean match(byte[] p, int pi, byte[] s, int si, boolean nocase, int nesting) {
        // Redis caps recursion to protect the stack against patterns like "*a*a*a*...".
        if (nesting > 1000) return false;
        while (pi < p.length && si < s.length) {
            switch (p[pi]) {
                case '*': {
                    while (pi + 1 < p.length && p[pi + 1] == '*') pi++;
                    if (pi + 1 == p.length) return true;
                    for (int k = si; k < s.length; k++) {
                        if (match(p, pi + 1, s, k, nocase, nesting + 1)) return true;
                    }
                    return false;
                }
                case '?':
                    si++;
                    break;
                case '[': {
                    pi++;
                    boolean not = pi < p.length && p[pi] == '^';
                    if (not) pi++;
                    boolean matched = false;
                    while (true) {
                        if (pi < p.length && p[pi] == '\\' && pi + 1 < p.length) {
                            pi++;
                            if (p[pi] == s[si]) matched = true;
                        } else if (pi >= p.length) {
                            pi--; // pattern ended inside the brackets: treat as closing
                            break;
                        } else if (p[pi] == ']') {
                            break;
                        } else if (pi + 2 < p.length && p[pi + 1] == '-') {
                            int start = p[pi] & 0xff, end = p[pi + 2] & 0xff, c = s[si] & 0xff;
                            if (start > end) {
                                int t = start;
                                start = end;
                                end = t;
                            }
                            if (nocase) {
                                start = Character.toLowerCase(start);
                                end = Character.toLowerCase(end);
                                c = Character.toLowerCase(c);
                            }
                            pi += 2;
                            if (c >= start && c <= end) matched = true;
                        } else {
                            if (eq(p[pi], s[si], nocase)) matched = true;
                        }
                        pi++;
                    }
                    if (not) matched = !matched;
                    if (!matched) return false;
                    si++;
                    break;
                }
                case '\\':
                    if (pi + 1 < p.length) pi++;
                    // fall through: literal
                default:
                    if (!eq(p[pi], s[si], nocase)) return false;
                    si++;
                    break;
            }
            pi++;
        }
        if (si == s.length) {
            while (pi < p.length && p[pi] == '*') pi++;
        }
        return pi == p.length && si == s.length;
    }

    private static boolean eq(byte a, byte b, boolean nocase) {
        if (a == b) return true;
        return nocase && Character.toLowerCase(a & 0xff) == Character.toLowerCase(b & 0xff);
    }
}
