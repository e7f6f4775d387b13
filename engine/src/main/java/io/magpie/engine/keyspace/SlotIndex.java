package io.magpie.engine.keyspace;

import io.magpie.commands.HashSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The keys of one db by hash slot (Redis's slots_to_keys): what CLUSTER COUNTKEYSINSLOT,
 * CLUSTER GETKEYSINSLOT and a slot-wise snapshot (moving a slot) read. Only cluster and raft
 * modes keep one; a standalone db has none and pays nothing. Each slot holds the same key
 * arrays as the db's dictionary, in a dictionary of its own made on the slot's first key.
 */
public final class SlotIndex {
    private static final Object PRESENT = Boolean.TRUE;
    private final Dict[] slots = new Dict[HashSlot.SLOTS];

    void add(byte[] key) {
        int slot = HashSlot.keyHashSlot(key);
        Dict d = slots[slot];
        if (d == null) slots[slot] = d = new Dict();
        d.addNew(key, PRESENT);
    }

    void remove(byte[] key) {
        int slot = HashSlot.keyHashSlot(key);
        Dict d = slots[slot];
        if (d == null) return;
        d.remove(key);
        if (d.isEmpty()) slots[slot] = null;
    }

    /** CLUSTER COUNTKEYSINSLOT. */
    public int countKeysInSlot(int slot) {
        Dict d = slots[slot];
        return d == null ? 0 : d.size();
    }

    /** Visits every key of the slot; the visitor must not change the db. */
    public void forEachKeyInSlot(int slot, Consumer<byte[]> visitor) {
        Dict d = slots[slot];
        if (d != null) d.forEach(e -> visitor.accept(e.key()));
    }

    /** CLUSTER GETKEYSINSLOT: up to count keys of the slot. */
    public List<byte[]> getKeysInSlot(int slot, int count) {
        List<byte[]> keys = new ArrayList<>(Math.min(count, countKeysInSlot(slot)));
        forEachKeyInSlot(slot, k -> {
            if (keys.size() < count) keys.add(k);
        });
        return keys;
    }
}
