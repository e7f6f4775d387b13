package io.magpie.commands.placement;

/**
 * twemproxy's hash_tag: with a two-character tag such as "{}", the part of a key between the
 * first opening character and the next closing one is hashed instead of the whole key, when
 * that part is not empty. Keys "{user1}.a" and "{user1}.b" then land on one server.
 */
public final class HashTag {
    private final byte open, close;

    private HashTag(byte open, byte close) {
        this.open = open;
        this.close = close;
    }

    /** The tag from its configuration text ("{}"), or null when none is set (empty text). */
    public static HashTag parse(String tag) {
        if (tag == null || tag.isEmpty()) return null;
        if (tag.length() != 2) throw new IllegalArgumentException("hash_tag must be two characters, got '" + tag + "'");
        return new HashTag((byte) tag.charAt(0), (byte) tag.charAt(1));
    }

    /**
     * The hash of the key under an optional tag: the whole key, or its tagged part.
     */
    public static int hash(HashFunction f, HashTag tag, byte[] key) {
        if (tag != null) {
            for (int i = 0; i < key.length; i++) {
                if (key[i] != tag.open) continue;
                for (int j = i + 1; j < key.length; j++) {
                    if (key[j] == tag.close) {
                        if (j - i > 1) return f.hash(key, i + 1, j - i - 1);
                        break;
                    }
                }
                break;
            }
        }
        return f.hash(key, 0, key.length);
    }
}
