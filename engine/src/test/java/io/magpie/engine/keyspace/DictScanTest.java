package io.magpie.engine.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SCAN's guarantee over Dict: a key present for the whole scan is returned, resizes or not. */
class DictScanTest {
    private static byte[] k(int i) {
        return ("key:" + i).getBytes(StandardCharsets.US_ASCII);
    }

    private static Set<String> scanAll(Dict d, Runnable betweenCalls) {
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int calls = 0;
        do {
            cursor = d.scan(cursor, e -> seen.add(new String(e.key(), StandardCharsets.US_ASCII)));
            betweenCalls.run();
            assertThat(++calls).as("scan terminates").isLessThan(1_000_000);
        } while (cursor != 0);
        return seen;
    }

    @Test
    void scanOfAStableTableReturnsEveryKey() {
        Dict d = new Dict();
        for (int i = 0; i < 1000; i++) d.put(k(i), i);
        while (d.isRehashing()) d.rehash(100);
        assertThat(scanAll(d, () -> { })).hasSize(1000);
    }

    @Test
    void keysPresentForTheWholeScanAreReturnedWhileTheTableGrows() {
        Dict d = new Dict();
        for (int i = 0; i < 200; i++) d.put(k(i), i);
        while (d.isRehashing()) d.rehash(100);
        int[] next = {200};
        // Each step adds keys: the table doubles several times (with incremental rehash) mid-scan.
        Set<String> seen = scanAll(d, () -> {
            for (int j = 0; j < 50 && next[0] < 20_000; j++) d.put(k(next[0]++), 0);
        });
        assertThat(d.buckets()).isGreaterThan(256);
        for (int i = 0; i < 200; i++) assertThat(seen).contains("key:" + i);
    }

    @Test
    void keysPresentForTheWholeScanAreReturnedWhileTheTableShrinks() {
        Dict d = new Dict();
        for (int i = 0; i < 20_000; i++) d.put(k(i), i);
        while (d.isRehashing()) d.rehash(100);
        int bucketsBefore = d.buckets();
        // Keys 0..99 stay; the others are removed during the scan and the table shrinks.
        int[] next = {100};
        Set<String> seen = scanAll(d, () -> {
            for (int j = 0; j < 400 && next[0] < 20_000; j++) d.remove(k(next[0]++));
            d.shrinkIfNeeded();
            d.rehash(1);
        });
        while (d.isRehashing()) d.rehash(100);
        assertThat(d.buckets()).isLessThan(bucketsBefore);
        for (int i = 0; i < 100; i++) assertThat(seen).contains("key:" + i);
    }

    @Test
    void keysPresentForTheWholeScanSurviveRandomGrowAndShrink() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 20; round++) {
            Dict d = new Dict();
            for (int i = 0; i < 50; i++) d.put(k(i), i);
            int[] n = {1000};
            Set<String> seen = scanAll(d, () -> {
                int burst = rnd.nextInt(0, 300);
                if (rnd.nextBoolean()) {
                    for (int j = 0; j < burst && n[0] < 5000; j++) d.put(k(n[0]++), 0);
                } else {
                    for (int j = 0; j < burst && n[0] > 1000; j++) d.remove(k(--n[0]));
                    d.shrinkIfNeeded();
                }
                if (rnd.nextBoolean()) d.rehash(rnd.nextInt(1, 5));
            });
            for (int i = 0; i < 50; i++) assertThat(seen).as("round " + round).contains("key:" + i);
        }
    }
}
