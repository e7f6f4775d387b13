package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.History.Event;
import io.magpie.jepsen.History.Type;
import io.magpie.jepsen.LinearizabilityChecker.Result;
import io.magpie.jepsen.LinearizabilityChecker.Verdict;
import io.magpie.jepsen.Op.Fn;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/**
 * The tools find what they are for: asynchronous master → replica replication acknowledges a
 * write before any replica has it, so a failover after the replica fell behind loses
 * acknowledged writes, and the history says so. The scenario makes the loss certain: the
 * replica's link is cut (and the replica has seen it down) before the writes that will be
 * lost are even invoked; then the master is killed and the replica promoted. A healthy single
 * node, under the same clients, checks linearizable.
 */
class AsyncFailoverAnomalyTest {
    @TempDir Path dir;

    private static final Workload WORKLOAD = new Workload(2, 1, 2);

    @ParameterizedTest
    @EnumSource(ServerProcess.Kind.class)
    void failoverToAReplicaBehindItsMasterLosesAcknowledgedWritesAndTheCheckerSaysSo(ServerProcess.Kind kind) throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(1);
        try (ServerProcess master = ServerProcess.start(kind, "master", dir, ServerProcess.freePort(), "--save", "", "--repl-diskless-sync-delay", "0");
             ServerProcess replica = ServerProcess.start(kind, "replica", dir, ServerProcess.freePort(), "--save", "");
             NetProxy link = new NetProxy(group, master.port());
             Jedis admin = replica.client()) {
            admin.replicaof("127.0.0.1", link.port());
            awaitLink(admin, "up");

            History h = new History();
            Recorder rec = new Recorder(h, WORKLOAD, List.of(master.port(), replica.port()), 4, 1234, 1000, 2).allStartOnFirst();
            rec.start();
            await(h, e -> e.type() == Type.OK, 50, "ok operations on the master");

            link.drop(); // the replica falls behind: the master still acknowledges every write
            awaitLink(admin, "down");
            long cut = System.nanoTime();
            await(h, e -> e.type() == Type.OK && e.f() == Fn.RPUSH && e.time() > cut, 1, "an acknowledged RPUSH after the cut");
            await(h, e -> e.type() == Type.OK && e.f() == Fn.INCR && e.time() > cut, 1, "an acknowledged INCR after the cut");

            master.kill9();
            admin.replicaofNoOne();
            long promoted = System.nanoTime();
            await(h, e -> e.type() == Type.OK && e.time() > promoted && e.f() != Fn.GET && e.f() != Fn.LRANGE, 10, "writes on the promoted replica");
            rec.stop();
            rec.finalReads(60_000);

            Result r = WORKLOAD.checker().check(h);
            List<String> lost = AcknowledgedWrites.lost(h.ops(), WORKLOAD);
            System.out.println(kind + " failover: " + h.summary() + "\n" + r.report() + "\nlost: " + lost);
            assertThat(r.verdict()).as(r.report()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(lost).isNotEmpty();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aHealthySingleMagpieNodeUnderTheSameClientsIsLinearizableAndLosesNothing() throws Exception {
        try (ServerProcess node = ServerProcess.start(ServerProcess.Kind.MAGPIE, "single", dir, ServerProcess.freePort(), "--save", "")) {
            History h = new History();
            Recorder rec = new Recorder(h, WORKLOAD, List.of(node.port()), 6, 99, 5000, 1);
            rec.start();
            await(h, e -> e.type() == Type.OK, 1500, "ok operations");
            rec.stop();
            rec.finalReads(30_000);
            Result r = WORKLOAD.checker().check(h);
            assertThat(r.verdict()).as(r.report()).isEqualTo(Verdict.LINEARIZABLE);
            assertThat(AcknowledgedWrites.lost(h.ops(), WORKLOAD)).isEmpty();
        }
    }

    private static void awaitLink(Jedis replica, String status) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        String info = "";
        while (System.currentTimeMillis() < deadline) {
            info = replica.info("replication");
            if (info.contains("master_link_status:" + status)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("replica link not " + status + " within a minute:\n" + info);
    }

    private static void await(History h, Predicate<Event> which, int n, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (h.events().stream().filter(which).count() < n) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("no " + n + " " + what + " within a minute: " + h.summary());
            Thread.sleep(20);
        }
    }
}
