package io.magpie.cluster.state;

/** The 2048-byte slot bitmaps of the bus and the node table: bit j of byte j/8, low bit first. */
public final class SlotBitmap {
    private SlotBitmap() {}

    public static boolean test(byte[] bitmap, int slot) {
        return (bitmap[slot >>> 3] & (1 << (slot & 7))) != 0;
    }

    public static void set(byte[] bitmap, int slot) {
        bitmap[slot >>> 3] |= (byte) (1 << (slot & 7));
    }

    public static void clear(byte[] bitmap, int slot) {
        bitmap[slot >>> 3] &= (byte) ~(1 << (slot & 7));
    }
}
