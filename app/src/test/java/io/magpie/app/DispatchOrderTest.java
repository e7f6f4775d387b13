package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import io.magpie.protocol.RespClient.Err;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The order of dispatch's refusals, against redis-server: each case puts a real redis-server
 * and Magpie in the same state, where two stages would refuse the same command, and sends
 * the same commands to both. Their replies must be equal, and equal to what Redis 7.0's
 * processCommand order gives (written out, so that a wrong oracle fails too).
 */
class DispatchOrderTest {
    private static final String NOAUTH = "NOAUTH Authentication required.";
    private static final String READONLY = "READONLY You can't write against a read only replica.";
    private static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
    private static final String NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
    private static final String MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    private static final String MISCONF_PREFIX = "MISCONF ";

    /** A replica of a port nobody listens on: its link to the master is down. */
    private static final String[] LOST_REPLICA = {"--replicaof", "127.0.0.1 1"};

    /** What a case does on one server, given its port: the replies it saw, in order. */
    private interface Case {
        List<Object> run(int port) throws Exception;
    }

    private static List<Object> onBoth(String[] args, Case c) throws Exception {
        return onBoth(() -> args, c);
    }

    /** With arguments made afresh for each server (a directory of its own). */
    private static List<Object> onBoth(java.util.concurrent.Callable<String[]> args, Case c) throws Exception {
        List<Object> fromRedis;
        try (RealRedis redis = new RealRedis(args.call())) {
            fromRedis = c.run(redis.port());
        }
        List<Object> fromMagpie;
        try (TestServer magpie = new TestServer(args.call())) {
            fromMagpie = c.run(magpie.port());
        }
        assertThat(fromMagpie).as("Magpie's replies, against redis-server's").isEqualTo(fromRedis);
        return fromMagpie;
    }

    private static String[] args(String[]... parts) {
        return Stream.of(parts).flatMap(Stream::of).toArray(String[]::new);
    }

    private static List<Object> send(int port, String[]... commands) {
        List<Object> out = new ArrayList<>();
        try (RespClient c = new RespClient(port)) {
            for (String[] cmd : commands) out.add(c.value(cmd));
        }
        return out;
    }

    private static String[] cmd(String... args) {
        return args;
    }

    @Test
    void noauthBeforeReadonlyAndMasterdown() throws Exception {
        var replies = onBoth(args(LOST_REPLICA, cmd("--requirepass", "secret", "--replica-serve-stale-data", "no")),
                port -> send(port, cmd("SET", "k", "v"), cmd("GET", "k")));
        assertThat(replies).containsExactly(new Err(NOAUTH), new Err(NOAUTH));
    }

    @Test
    void readonlyBeforeMasterdownAndMasterdownForReads() throws Exception {
        // Set after the start: the harness's readiness PING would get MASTERDOWN.
        var replies = onBoth(LOST_REPLICA, port -> send(port, cmd("CONFIG", "SET", "replica-serve-stale-data", "no"),
                cmd("SET", "k", "v"), cmd("GET", "k"), cmd("PING"),
                cmd("CONFIG", "GET", "replica-serve-stale-data")));
        assertThat(replies).containsExactly(new RespClient.Status("OK"), new Err(READONLY), new Err(MASTERDOWN),
                new Err(MASTERDOWN), List.of("replica-serve-stale-data", "no"));
    }

    @Test
    void readonlyNotNoreplicasOnAReplicaWithMinReplicasToWrite() throws Exception {
        var replies = onBoth(args(LOST_REPLICA, cmd("--min-replicas-to-write", "1")),
                port -> send(port, cmd("SET", "k", "v")));
        assertThat(replies).containsExactly(new Err(READONLY));
    }

    @Test
    void oomBeforeNoreplicasOnAMaster() throws Exception {
        var replies = onBoth(cmd("--maxmemory", "1", "--min-replicas-to-write", "1"),
                port -> send(port, cmd("SET", "k", "v"), cmd("CONFIG", "SET", "maxmemory", "0"), cmd("SET", "k", "v")));
        assertThat(replies).containsExactly(new Err(OOM), new RespClient.Status("OK"), new Err(NOREPLICAS));
    }

    @Test
    void oomBeforeReadonlyOnlyWhenTheReplicaDoesNotIgnoreMaxmemory() throws Exception {
        var replies = onBoth(args(LOST_REPLICA, cmd("--maxmemory", "1")),
                port -> send(port, cmd("SET", "k", "v"), cmd("CONFIG", "SET", "replica-ignore-maxmemory", "no"),
                        cmd("SET", "k", "v"), cmd("GET", "k")));
        assertThat(replies).containsExactly(new Err(READONLY), new RespClient.Status("OK"), new Err(OOM), null);
    }

    /** MISCONF comes before NOREPLICAS and READONLY, and after OOM. */
    @Test
    void misconfAfterOomBeforeNoreplicasAndReadonly() throws Exception {
        Path[] dir = new Path[1];
        var replies = onBoth(() -> {
            dir[0] = Files.createTempDirectory("dispatch-misconf");
            return cmd("--save", "3600 1", "--min-replicas-to-write", "1", "--dir", dir[0].toString());
        }, port -> {
            List<Object> out = new ArrayList<>();
            failBackgroundSave(port, dir[0]);
            out.addAll(send(port, cmd("SET", "k", "v"), cmd("PING")));
            out.addAll(send(port, cmd("CONFIG", "SET", "maxmemory", "1"), cmd("SET", "k", "v"), cmd("CONFIG", "SET", "maxmemory", "0")));
            out.addAll(send(port, cmd("REPLICAOF", "127.0.0.1", "1"), cmd("SET", "k", "v")));
            // Without save rules the server may exit: it would refuse to, as its last save failed.
            send(port, cmd("CONFIG", "SET", "save", ""));
            return out;
        });
        assertThat(replies).hasSize(7);
        assertThat(((Err) replies.get(0)).text()).startsWith(MISCONF_PREFIX);
        assertThat(((Err) replies.get(1)).text()).startsWith(MISCONF_PREFIX);
        assertThat(replies.get(3)).isEqualTo(new Err(OOM));
        assertThat(((Err) replies.get(6)).text()).startsWith(MISCONF_PREFIX);
    }

    /** Removes the server's directory and runs BGSAVE, which then fails: writes get MISCONF. */
    private static void failBackgroundSave(int port, Path dir) throws Exception {
        try (RespClient c = new RespClient(port)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            c.value("BGSAVE");
            long deadline = System.currentTimeMillis() + 30_000;
            while (!String.valueOf(c.value("INFO", "persistence")).contains("rdb_last_bgsave_status:err")) {
                assertThat(System.currentTimeMillis()).as("BGSAVE into a removed directory fails").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    @Test
    void aCommandRefusedWhileQueueingDoomsTheExec() throws Exception {
        var replies = onBoth(LOST_REPLICA, port -> send(port, cmd("MULTI"), cmd("SET", "k", "v"), cmd("GET", "k"), cmd("EXEC")));
        assertThat(replies).containsExactly(new RespClient.Status("OK"), new Err(READONLY), new RespClient.Status("QUEUED"),
                new Err("EXECABORT Transaction discarded because of previous errors."));
    }

    /** EXEC is checked against the state at EXEC, as the queued commands would be: OOM, READONLY, MASTERDOWN. */
    @Test
    void execIsRecheckedAgainstStateThatChangedAfterMulti() throws Exception {
        var replies = onBoth(new String[0], port -> {
            List<Object> out = new ArrayList<>();
            out.addAll(execAfter(port, cmd("SET", "k", "v"), cmd("CONFIG", "SET", "maxmemory", "1")));
            send(port, cmd("CONFIG", "SET", "maxmemory", "0"));
            out.addAll(execAfter(port, cmd("SET", "k", "v"), cmd("REPLICAOF", "127.0.0.1", "1")));
            out.addAll(execAfter(port, cmd("GET", "k"), cmd("CONFIG", "SET", "replica-serve-stale-data", "no")));
            out.addAll(send(port, cmd("GET", "k")));
            return out;
        });
        assertThat(replies).containsExactly(
                new Err("EXECABORT Transaction discarded because of: " + OOM),
                new Err("EXECABORT Transaction discarded because of: " + READONLY),
                new Err("EXECABORT Transaction discarded because of: " + MASTERDOWN),
                new Err(MASTERDOWN));
    }

    /** MULTI, one queued command, then another client changes the server, then EXEC: EXEC's reply. */
    private static List<Object> execAfter(int port, String[] queued, String[] change) {
        try (RespClient c = new RespClient(port); RespClient admin = new RespClient(port)) {
            assertThat(c.value("MULTI")).hasToString("OK");
            assertThat(c.value(queued)).hasToString("QUEUED");
            assertThat(admin.value(change)).hasToString("OK");
            return List.of(c.value("EXEC"));
        }
    }
}
