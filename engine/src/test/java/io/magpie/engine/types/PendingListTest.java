package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.types.StreamGroup.Nack;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The chunked PEL against a TreeMap model: same entries, same order, through splits and emptied chunks. */
class PendingListTest {
    private static List<String> entries(PendingList pel, StreamID from) {
        List<String> out = new ArrayList<>();
        for (PendingList.Cursor k = pel.from(from); k.next(); ) out.add(k.id() + "=" + k.nack().deliveryCount);
        return out;
    }

    private static List<String> entries(TreeMap<StreamID, Nack> model, StreamID from) {
        List<String> out = new ArrayList<>();
        model.tailMap(from, true).forEach((id, n) -> out.add(id + "=" + n.deliveryCount));
        return out;
    }

    @Test
    void randomPutsRemovesAndWalksAgreeWithASortedMap() {
        Random r = new Random(17);
        PendingList pel = new PendingList();
        TreeMap<StreamID, Nack> model = new TreeMap<>();
        for (int step = 0; step < 60_000; step++) {
            // Mostly growing IDs (XREADGROUP), some anywhere, and unsigned extremes.
            long ms = r.nextInt(10) == 0 ? -1L - r.nextInt(3) : (step < 20_000 ? step / 3 : r.nextInt(8_000));
            StreamID id = new StreamID(ms, r.nextInt(4));
            switch (r.nextInt(step < 20_000 ? 4 : 3)) {
                case 0 -> assertThat(pel.remove(id)).isSameAs(model.remove(id));
                case 1 -> assertThat(pel.get(id)).isSameAs(model.get(id));
                default -> {
                    Nack n = new Nack(null, step, step);
                    if (r.nextBoolean()) assertThat(pel.put(id, n)).isSameAs(model.put(id, n));
                    else assertThat(pel.putIfAbsent(id, n)).isSameAs(model.putIfAbsent(id, n));
                }
            }
            assertThat(pel.size()).isEqualTo(model.size());
            if (step % 5_000 == 0 && !model.isEmpty()) {
                assertThat(pel.firstKey()).isEqualTo(model.firstKey());
                assertThat(pel.lastKey()).isEqualTo(model.lastKey());
                assertThat(entries(pel, id)).isEqualTo(entries(model, id));
            }
        }
        assertThat(entries(pel, StreamID.MIN)).isEqualTo(entries(model, StreamID.MIN));
        List<StreamID> seen = new ArrayList<>();
        pel.forEach((id, n) -> seen.add(id));
        assertThat(seen).containsExactlyElementsOf(model.keySet());
    }

    @Test
    void aCursorRemovesWhatItWalksAcrossChunksAsAnIteratorDoes() {
        PendingList pel = new PendingList();
        TreeMap<StreamID, Nack> model = new TreeMap<>();
        for (int i = 0; i < 1_000; i++) {
            Nack n = new Nack(null, i, i);
            pel.put(new StreamID(i, 0), n);
            model.put(new StreamID(i, 0), n);
        }
        StreamID start = new StreamID(100, 0);
        PendingList.Cursor k = pel.from(start);
        Iterator<Map.Entry<StreamID, Nack>> it = model.tailMap(start, true).entrySet().iterator();
        // Remove a run longer than a chunk (the chunk goes away under the cursor), then every third.
        for (int i = 0; i < 700; i++) {
            assertThat(k.next()).isTrue();
            assertThat(k.id()).isEqualTo(it.next().getKey());
            if (i < 300 || i % 3 == 0) {
                k.remove();
                it.remove();
            }
        }
        assertThat(k.next()).isTrue();
        assertThat(k.id()).isEqualTo(it.next().getKey());
        assertThat(entries(pel, StreamID.MIN)).isEqualTo(entries(model, StreamID.MIN));
        assertThat(pel.size()).isEqualTo(model.size());
    }
}
