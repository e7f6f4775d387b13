package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ListValueTest {
    private static List<Integer> contents(ListValue l) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) out.add((int) l.get(i)[0]);
        return out;
    }

    @Test
    void everyListReportsQuicklistAsRedis70Does() {
        ListValue l = new ListValue();
        l.addLast(new byte[] {1});
        assertThat(l.encoding()).isEqualTo("quicklist");
    }

    @Test
    void randomOperationsMatchAnArrayList() {
        randomOperationsMatchAnArrayList(Integer.MAX_VALUE, false);
    }

    @Test
    void randomOperationsOnASmallListStayPackedAndMatchAnArrayList() {
        randomOperationsMatchAnArrayList(100, true);
    }

    /** Above softMax elements only removals run, so the list hovers below it. */
    private static void randomOperationsMatchAnArrayList(int softMax, boolean packed) {
        SplittableRandom rnd = new SplittableRandom(7);
        ListValue l = new ListValue();
        List<Integer> model = new ArrayList<>();
        for (int op = 0; op < 50_000; op++) {
            int v = rnd.nextInt(10);
            byte[] e = {(byte) v};
            int kind = rnd.nextInt(9);
            if (model.size() > softMax && kind != 4 && kind != 5 && kind != 7) kind = 4;
            switch (kind) {
                case 0, 1 -> { l.addFirst(e); model.add(0, v); }
                case 2, 3 -> { l.addLast(e); model.add(v); }
                case 4 -> { if (!model.isEmpty()) assertThat((int) l.removeFirst()[0]).isEqualTo(model.remove(0)); }
                case 5 -> { if (!model.isEmpty()) assertThat((int) l.removeLast()[0]).isEqualTo(model.remove(model.size() - 1)); }
                case 6 -> { int i = rnd.nextInt(model.size() + 1); l.insert(i, e); model.add(i, v); }
                case 7 -> { if (!model.isEmpty()) { int i = rnd.nextInt(model.size()); l.remove(i); model.remove(i); } }
                default -> {
                    long count = rnd.nextInt(5) - 2;
                    int removed = l.removeMatching(e, count);
                    int expected = 0;
                    if (count >= 0) {
                        for (int i = 0; i < model.size() && (count == 0 || expected < count); ) {
                            if (model.get(i) == v) { model.remove(i); expected++; } else i++;
                        }
                    } else {
                        for (int i = model.size() - 1; i >= 0 && expected < -count; i--) {
                            if (model.get(i) == v) { model.remove(i); expected++; }
                        }
                    }
                    assertThat(removed).isEqualTo(expected);
                }
            }
            assertThat(l.size()).isEqualTo(model.size());
            if (packed) assertThat(l.isPacked()).isTrue();
            if (op % 97 == 0) assertThat(contents(l)).isEqualTo(model);
            if (op % 997 == 0) assertThat(contents((ListValue) l.duplicate())).isEqualTo(model);
        }
        assertThat(contents(l)).isEqualTo(model);
    }

    @Test
    void aListLeavesThePackedLayoutPastItsEntryOrByteBoundAndKeepsItsElements() {
        ListValue l = new ListValue();
        for (int i = 0; i < ListValue.PACKED_MAX_ENTRIES; i++) l.addLast(new byte[] {(byte) i});
        assertThat(l.isPacked()).isTrue();
        l.addFirst(new byte[] {-1});
        assertThat(l.isPacked()).isFalse();
        assertThat(contents(l).subList(0, 3)).containsExactly(-1, 0, 1);
        l.clear();
        assertThat(l.isPacked()).isTrue();
        l.addLast(new byte[ListValue.PACKED_MAX_BYTES]);
        assertThat(l.isPacked()).isFalse();
        assertThat(l.get(0)).hasSize(ListValue.PACKED_MAX_BYTES);
    }

    @Test
    void trimKeepsTheInclusiveRange() {
        ListValue l = new ListValue();
        for (int i = 0; i < 10; i++) l.addLast(new byte[] {(byte) i});
        l.trim(2, 5);
        assertThat(contents(l)).isEqualTo(Arrays.asList(2, 3, 4, 5));
        l.trim(1, 2);
        assertThat(contents(l)).isEqualTo(Arrays.asList(3, 4));
        l.trim(3, 1);
        assertThat(l.size()).isZero();
    }
}
