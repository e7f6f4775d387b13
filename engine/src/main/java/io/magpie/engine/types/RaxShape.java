package io.magpie.engine.types;

/**
 * How many nodes Redis's rax (rax.c) has for a set of keys, as XINFO STREAM reports in
 * radix-tree-nodes. A rax is a compressed trie: a run of single-child positions is one
 * compressed node, a position where keys diverge is one branching node, and every key
 * ends in a node of its own. That shape depends only on the keys, so it is computed from
 * them rather than kept.
 */
final class RaxShape {
    private RaxShape() {}

    /** Nodes of a rax holding keys (sorted, distinct, none a prefix of another). */
    static long countNodes(byte[][] keys) {
        if (keys.length == 0) return 1; // the empty head node
        return count(keys, 0, keys.length, 0);
    }

    private static long count(byte[][] keys, int lo, int hi, int depth) {
        byte[] a = keys[lo], b = keys[hi - 1];
        if (depth == a.length) return 1; // a key ends here: a leaf
        if (hi - lo == 1) return 2; // the rest of one key: a compressed node and its leaf
        if (a[depth] == b[depth]) {
            int d = depth;
            while (d < a.length && a[d] == b[d]) d++;
            return 1 + count(keys, lo, hi, d);
        }
        long n = 1;
        int i = lo;
        while (i < hi) {
            int j = i + 1;
            while (j < hi && keys[j][depth] == keys[i][depth]) j++;
            n += count(keys, i, j, depth + 1);
            i = j;
        }
        return n;
    }
}
