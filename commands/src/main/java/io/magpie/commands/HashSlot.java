package io.magpie.commands;

/**
 * Redis Cluster's key to slot mapping (cluster.c keyHashSlot): CRC16-XMODEM of the key, or of
 * its hash tag, modulo 16384. The hash tag is the part between the first '{' and the first '}'
 * after it, when that part is not empty; it lets an application keep related keys
 * ("{user1000}.following", "{user1000}.followers") in one slot so multi-key commands work.
 * The cluster, the Raft shards and the proxy all route with this one function.
 */
public final class HashSlot {
    /** Number of hash slots. 16384 keeps the slot bitmap in a cluster bus header at 2 KB. */
    public static final int SLOTS = 16384;

    private static final char[] CRC16_TABLE = crc16Table();

    private HashSlot() {}

    public static int keyHashSlot(byte[] key) {
        return keyHashSlot(key, 0, key.length);
    }

    /** The slot of key[offset, offset+length). */
    public static int keyHashSlot(byte[] key, int offset, int length) {
        int end = offset + length;
        int open = -1;
        for (int i = offset; i < end; i++) {
            if (key[i] == '{') {
                open = i;
                break;
            }
        }
        if (open >= 0) {
            for (int i = open + 1; i < end; i++) {
                if (key[i] == '}') {
                    // "{}" is not a tag: the whole key is hashed, as Redis does.
                    if (i > open + 1) return crc16(key, open + 1, i - open - 1) & (SLOTS - 1);
                    break;
                }
            }
        }
        return crc16(key, offset, length) & (SLOTS - 1);
    }

    /** CRC16-CCITT in its XMODEM variant (polynomial 0x1021, initial value 0, no reflection). */
    public static int crc16(byte[] buf, int offset, int length) {
        int crc = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            crc = ((crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ buf[i]) & 0xff]) & 0xffff;
        }
        return crc;
    }

    private static char[] crc16Table() {
        char[] table = new char[256];
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            table[b] = (char) (crc & 0xffff);
        }
        return table;
    }
}
