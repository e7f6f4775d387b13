package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import io.magpie.protocol.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Magpie and three redis-server 7.0 nodes (Debian's, built with TLS) in one cluster whose
 * bus and replication run over TLS, made by {@code redis-cli --tls --cluster create
 * --cluster-replicas 1}: the two kinds complete TLS handshakes with each other both ways,
 * every node agrees, and every replica, of either kind, replicates over TLS.
 */
@Tag("soak")
class MixedClusterTlsTest {
    @TempDir
    Path dir;

    @Test
    void magpieAndRedisServerNodesFormOneClusterOverATlsBus() throws Exception {
        ClusterTlsTest.certs = TestCertificates.get();
        List<MagpieProcess> magpies = new ArrayList<>();
        List<RealRedis> redises = new ArrayList<>();
        List<Integer> plain = new ArrayList<>();
        List<String> create = new ArrayList<>(List.of("redis-cli"));
        create.addAll(ClusterTlsTest.tls());
        create.addAll(List.of("--cluster", "create"));
        try {
            for (int i = 0; i < 3; i++) {
                int tlsPort = RealRedis.freePort();
                Path d = Files.createDirectories(dir.resolve("magpie" + i));
                magpies.add(MagpieProcess.launch(d.resolve("log.txt"), Map.of(), RealRedis.freePort(),
                        ClusterTlsTest.tlsNodeArgs(tlsPort, RealRedis.freePort()).toArray(new String[0])));
                int redisTls = RealRedis.freePort();
                redises.add(new RealRedis(ClusterTlsTest.tlsNodeArgs(redisTls, RealRedis.freePort()).toArray(new String[0])));
                plain.add(magpies.get(i).port);
                plain.add(redises.get(i).port());
                create.add("127.0.0.1:" + tlsPort);
                create.add("127.0.0.1:" + redisTls);
            }
            ClusterProcessTest.awaitAnswering(magpies);
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            assertThat(ClusterProcessTest.redisCli(create)).contains("[OK] All 16384 slots covered.");
            ClusterProcessTest.awaitClusterStateOk(plain);
            for (int port : plain) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    try (RespClient c = new RespClient(port)) {
                        String info = String.valueOf(c.value("INFO", "replication"));
                        return info.contains("role:master") || info.contains("master_link_status:up");
                    }
                });
            }
            List<String> check = new ArrayList<>(List.of("redis-cli"));
            check.addAll(ClusterTlsTest.tls());
            check.addAll(List.of("--cluster", "check", create.get(create.indexOf("create") + 2)));
            assertThat(ClusterProcessTest.redisCli(check)).contains("[OK] All nodes agree about slots configuration.")
                    .contains("3 masters");
            // Slots with keys move over TLS both ways: MIGRATE from a Magpie master to a redis-server
            // master, then back, each side connecting to the other's TLS port.
            int magpieMaster = -1, redisMaster = -1, magpieTls = -1, redisTls = -1;
            for (int i = 0; i < plain.size(); i++) {
                boolean master = String.valueOf(value(plain.get(i), "ROLE")).startsWith("[master");
                int tlsPort = Integer.parseInt(create.get(create.indexOf("create") + 1 + i).split(":")[1]);
                if (master && i % 2 == 0 && magpieMaster < 0) { magpieMaster = plain.get(i); magpieTls = tlsPort; }
                if (master && i % 2 == 1 && redisMaster < 0) { redisMaster = plain.get(i); redisTls = tlsPort; }
            }
            String magpieId = value(magpieMaster, "CLUSTER", "MYID"), redisId = value(redisMaster, "CLUSTER", "MYID");
            // redis-cli moves the source's lowest slots: the keys live in the Magpie master's first 50.
            int first = -1;
            for (int slot = 0; slot < 16384 && first < 0; slot++) if (ownerIs(magpieMaster, slot, magpieId)) first = slot;
            List<String> keys = new ArrayList<>();
            for (int i = 0; keys.size() < 100 && i < 10_000_000; i++) {
                int slot = redis.clients.jedis.util.JedisClusterCRC16.getSlot("t" + i);
                if (slot >= first && slot < first + 50) keys.add("t" + i);
            }
            try (RespClient c = new RespClient(magpieMaster)) {
                for (String k : keys) c.call("SET", k, "v-" + k);
            }
            reshard(magpieTls, magpieId, redisId, 50);
            assertThat(value(magpieMaster, "DBSIZE")).isEqualTo("0");
            assertThat(value(redisMaster, "DBSIZE")).isEqualTo(String.valueOf(keys.size()));
            // Back: the redis-server master's lowest slots are those 50 (create gave it the range after the Magpie master's).
            reshard(redisTls, redisId, magpieId, 50);
            assertThat(value(redisMaster, "DBSIZE")).isEqualTo("0");
            try (RespClient c = new RespClient(magpieMaster)) {
                for (String k : keys) assertThat(String.valueOf(c.value("GET", k))).isEqualTo("v-" + k);
            }
        } finally {
            for (MagpieProcess m : magpies) m.close();
            for (RealRedis r : redises) r.close();
        }
    }

    /** redis-cli --tls --cluster reshard of from's lowest slots to to. */
    private static void reshard(int tlsPort, String from, String to, int slots) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli"));
        cmd.addAll(ClusterTlsTest.tls());
        cmd.addAll(List.of("--cluster", "reshard", "127.0.0.1:" + tlsPort, "--cluster-from", from, "--cluster-to", to,
                "--cluster-slots", String.valueOf(slots), "--cluster-yes"));
        ClusterProcessTest.redisCli(cmd);
    }

    private static boolean ownerIs(int port, int slot, String id) {
        try (RespClient c = new RespClient(port)) {
            for (Object range : (List<?>) c.value("CLUSTER", "SLOTS")) {
                List<?> r = (List<?>) range;
                if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) return String.valueOf(((List<?>) r.get(2)).get(2)).equals(id);
            }
        }
        return false;
    }

    private static String value(int port, String... args) {
        try (RespClient c = new RespClient(port)) {
            return String.valueOf(c.value(args));
        }
    }
}
