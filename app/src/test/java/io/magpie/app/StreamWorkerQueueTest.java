package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamConsumersInfo;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * A BullMQ-like job queue on a consumer group, written with Jedis's stream API: workers
 * block in XREADGROUP, process and XACK; a worker that dies holding jobs leaves them
 * pending, and a reaper recovers them with XAUTOCLAIM once idle (and XCLAIM for one job),
 * so every job is processed and nothing stays pending. Run on Magpie and, as the yardstick
 * of the test itself, on redis-server.
 */
class StreamWorkerQueueTest extends AgainstRealRedis {
    private static final String QUEUE = "queue", GROUP = "workers";
    private static final int JOBS = 120, DEAD_HOLDS = 10;

    private static Jedis connect(String server) {
        return new Jedis("127.0.0.1", server.equals("magpie") ? magpie.port() : redis.port(), 10_000);
    }

    private static Map<String, String> job(int i) {
        Map<String, String> m = new HashMap<>();
        m.put("name", "job" + i);
        m.put("attempt", "1");
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"magpie", "redis"})
    void aDeadWorkersJobsAreClaimedByAReaperAndEveryJobIsProcessedOnce(String server) throws Exception {
        Set<StreamEntryID> added = ConcurrentHashMap.newKeySet();
        Map<StreamEntryID, String> processed = new ConcurrentHashMap<>();
        List<String> duplicates = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Jedis admin = connect(server)) {
            admin.flushAll();
            assertThat(admin.xgroupCreate(QUEUE, GROUP, new StreamEntryID(0, 0), true)).isEqualTo("OK");
            for (int i = 0; i < JOBS / 2; i++) added.add(admin.xadd(QUEUE, StreamEntryID.NEW_ENTRY, job(i)));

            // A worker takes jobs and dies before acknowledging them.
            Set<StreamEntryID> heldByDead = new HashSet<>();
            try (Jedis dead = connect(server)) {
                var batch = dead.xreadGroup(GROUP, "dead", XReadGroupParams.xReadGroupParams().count(DEAD_HOLDS),
                        Map.of(QUEUE, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
                for (StreamEntry e : batch.get(0).getValue()) heldByDead.add(e.getID());
            }
            assertThat(heldByDead).hasSize(DEAD_HOLDS);

            // Two live workers block for jobs, process and acknowledge them.
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> workers = new ArrayList<>();
            for (String name : new String[] {"w1", "w2"}) {
                Thread t = new Thread(() -> {
                    try (Jedis w = connect(server)) {
                        while (!stop.get()) {
                            var got = w.xreadGroup(GROUP, name, XReadGroupParams.xReadGroupParams().count(5).block(100),
                                    Map.of(QUEUE, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
                            if (got == null) continue;
                            for (StreamEntry e : got.get(0).getValue()) {
                                if (processed.putIfAbsent(e.getID(), name) != null) duplicates.add(e.getID() + " " + name);
                                w.xack(QUEUE, GROUP, e.getID());
                            }
                        }
                    }
                }, "worker-" + name);
                t.start();
                workers.add(t);
            }
            // More jobs arrive while the workers wait: XADD wakes them.
            for (int i = JOBS / 2; i < JOBS; i++) added.add(admin.xadd(QUEUE, StreamEntryID.NEW_ENTRY, job(i)));
            await().atMost(Duration.ofSeconds(60)).until(() -> processed.size() == JOBS - DEAD_HOLDS);
            stop.set(true);
            for (Thread t : workers) t.join(30_000);
            assertThat(processed.keySet()).doesNotContainAnyElementsOf(heldByDead);

            // The dead worker's jobs are still pending, owned by it.
            assertThat(admin.xpending(QUEUE, GROUP).getConsumerMessageCount()).containsEntry("dead", (long) DEAD_HOLDS);

            // One job is taken over explicitly: XCLAIM refuses while it is not idle long enough...
            StreamEntryID first = heldByDead.stream().min(StreamEntryID::compareTo).orElseThrow();
            assertThat(admin.xclaim(QUEUE, GROUP, "reaper", 3_600_000, XClaimParams.xClaimParams(), first)).isEmpty();
            // ...and takes it at once with min-idle 0.
            List<StreamEntry> claimed = admin.xclaim(QUEUE, GROUP, "reaper", 0, XClaimParams.xClaimParams(), first);
            assertThat(claimed).extracting(StreamEntry::getID).containsExactly(first);
            assertThat(claimed.get(0).getFields()).containsEntry("attempt", "1");

            // The reaper recovers the rest with XAUTOCLAIM once they have been idle 100 ms.
            // It walks the PEL with its cursor; a pass that is too early claims nothing.
            Map<StreamEntryID, StreamEntry> recoveredById = new ConcurrentHashMap<>();
            recoveredById.put(first, claimed.get(0));
            StreamEntryID[] cursor = {new StreamEntryID(0, 0)};
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                var r = admin.xautoclaim(QUEUE, GROUP, "reaper", 100, cursor[0], XAutoClaimParams.xAutoClaimParams().count(4));
                for (StreamEntry e : r.getValue()) recoveredById.putIfAbsent(e.getID(), e);
                cursor[0] = r.getKey();
                return recoveredById.size() == DEAD_HOLDS;
            });
            List<StreamEntry> recovered = new ArrayList<>(recoveredById.values());
            assertThat(recoveredById.keySet()).containsExactlyInAnyOrderElementsOf(heldByDead);
            // Each recovered job was delivered twice: to the dead worker, then to the reaper.
            List<StreamPendingEntry> pending = admin.xpending(QUEUE, GROUP, XPendingParams.xPendingParams().count(100));
            assertThat(pending).hasSize(DEAD_HOLDS).allSatisfy(p -> {
                assertThat(p.getConsumerName()).isEqualTo("reaper");
                assertThat(p.getDeliveredTimes()).isGreaterThanOrEqualTo(2);
            });
            for (StreamEntry e : recovered) {
                if (processed.putIfAbsent(e.getID(), "reaper") != null) duplicates.add(e.getID() + " reaper");
                assertThat(admin.xack(QUEUE, GROUP, e.getID())).isEqualTo(1);
            }

            assertThat(duplicates).isEmpty();
            assertThat(processed.keySet()).containsExactlyInAnyOrderElementsOf(added);
            assertThat(admin.xpending(QUEUE, GROUP).getTotal()).isZero();
            Map<String, Long> pendingByConsumer = new HashMap<>();
            for (StreamConsumersInfo ci : admin.xinfoConsumers(QUEUE, GROUP)) pendingByConsumer.put(ci.getName(), ci.getPending());
            assertThat(pendingByConsumer).containsEntry("dead", 0L).containsEntry("reaper", 0L);
            assertThat(admin.xgroupDelConsumer(QUEUE, GROUP, "dead")).isZero();
            assertThat(admin.xlen(QUEUE)).isEqualTo(JOBS);
        }
    }
}
