package io.magpie.commands;

/**
 * The keys a command call names: their argv positions and {@link KeyFlags}, in Redis's
 * order (getKeysResult). The caller owns one and reuses it, so extraction allocates nothing
 * once it has grown to the largest call seen.
 */
public final class KeyReferences {
    private int[] positions = new int[8];
    private int[] flags = new int[8];
    private int count;

    public int count() {
        return count;
    }

    /** The argv position of the i-th key (0 is the command name). */
    public int position(int i) {
        return positions[i];
    }

    public int flags(int i) {
        return flags[i];
    }

    public void clear() {
        count = 0;
    }

    void add(int position, int keyFlags) {
        if (count == positions.length) {
            positions = java.util.Arrays.copyOf(positions, count * 2);
            flags = java.util.Arrays.copyOf(flags, count * 2);
        }
        positions[count] = position;
        flags[count] = keyFlags;
        count++;
    }
}
