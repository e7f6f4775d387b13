package io.magpie.engine.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.commands.HashSlot;
import io.magpie.engine.EngineHarness;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-slot key index follows every way keys come and go, and exists only where enabled. */
class SlotIndexTest {
    private final EngineHarness h = new EngineHarness();

    private static int slot(String key) {
        return HashSlot.keyHashSlot(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The index agrees with the db's dictionary, slot by slot. */
    private void assertIndexMatchesDb(int dbId) {
        Database db = h.engine.db(dbId);
        Map<Integer, List<String>> expected = new HashMap<>();
        db.dict().forEach(e -> expected.computeIfAbsent(HashSlot.keyHashSlot(e.key()), s -> new ArrayList<>())
                .add(new String(e.key(), StandardCharsets.UTF_8)));
        SlotIndex index = db.slotIndex();
        int total = 0;
        for (int s = 0; s < HashSlot.SLOTS; s++) {
            int count = index.countKeysInSlot(s);
            total += count;
            if (count == 0 && !expected.containsKey(s)) continue;
            List<String> actual = new ArrayList<>();
            index.forEachKeyInSlot(s, k -> actual.add(new String(k, StandardCharsets.UTF_8)));
            assertThat(actual).as("slot %d", s).hasSize(count).containsExactlyInAnyOrderElementsOf(expected.getOrDefault(s, List.of()));
        }
        assertThat(total).isEqualTo(db.size());
    }

    @Test
    void standaloneKeepsNoIndex() {
        h.call("SET", "a", "1");
        assertThat(h.engine.db(0).slotIndex()).isNull();
    }

    @Test
    void enablingIndexesTheKeysAlreadyThere() {
        h.call("MSET", "{user1}.a", "1", "{user1}.b", "2", "foo", "3");
        h.engine.enableSlotIndex();
        SlotIndex index = h.engine.db(0).slotIndex();
        assertThat(index.countKeysInSlot(slot("user1"))).isEqualTo(2);
        assertThat(index.countKeysInSlot(slot("foo"))).isEqualTo(1);
        assertThat(index.getKeysInSlot(slot("user1"), 1)).hasSize(1);
        assertIndexMatchesDb(0);
    }

    @Test
    void writesDeletesRenamesExpiryFlushAndSwapKeepTheIndexExact() {
        h.engine.enableSlotIndex();
        for (int i = 0; i < 200; i++) h.call("SET", "key:" + i, "v");
        h.call("RPUSH", "{tag}list", "a");
        h.call("SADD", "{tag}set", "a");
        h.call("DEL", "key:1", "key:2", "nosuch");
        h.call("RENAME", "key:3", "renamed");
        h.call("SPOP", "{tag}set"); // the set empties and goes
        h.call("MOVE", "key:4", "1");
        h.call("SELECT", "0");
        h.call("PEXPIRE", "key:5", "10");
        h.clock.advance(20);
        h.call("GET", "key:5"); // lazy expiry deletes it
        assertIndexMatchesDb(0);
        assertIndexMatchesDb(1);
        assertThat(h.engine.db(0).slotIndex().getKeysInSlot(slot("key:5"), 1000)).noneMatch(k -> new String(k, StandardCharsets.UTF_8).equals("key:5"));
        assertThat(h.engine.db(1).slotIndex().countKeysInSlot(slot("key:4"))).isEqualTo(1);

        h.call("SWAPDB", "0", "1");
        assertIndexMatchesDb(0);
        assertIndexMatchesDb(1);
        h.call("FLUSHALL");
        assertIndexMatchesDb(0);
        assertIndexMatchesDb(1);
        h.call("SET", "after", "flush");
        assertThat(h.engine.db(0).slotIndex().countKeysInSlot(slot("after"))).isEqualTo(1);
        assertIndexMatchesDb(0);
    }
}
