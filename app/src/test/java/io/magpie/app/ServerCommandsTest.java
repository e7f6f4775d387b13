package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server commands whose replies carry addresses, ids, times or counters, so that a byte
 * comparison with Redis cannot apply: their shape is compared with real Redis (INFO field
 * names, CLIENT LIST fields, COMMAND INFO) and their effects are asserted directly.
 */
class ServerCommandsTest {
    private static RealRedis redis;
    private static TestServer magpie;

    @BeforeAll
    static void start() {
        redis = new RealRedis("--enable-debug-command", "yes");
        magpie = new TestServer("--enable-debug-command", "yes");
    }

    @AfterAll
    static void stop() {
        if (magpie != null) magpie.close();
        if (redis != null) redis.close();
    }

    /** INFO text as section -> (field -> value). */
    static Map<String, Map<String, String>> parseInfo(String text) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : text.split("\r\n")) {
            if (line.startsWith("# ")) {
                current = new LinkedHashMap<>();
                sections.put(line.substring(2), current);
            } else if (!line.isEmpty() && current != null) {
                int colon = line.indexOf(':');
                current.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return sections;
    }

    static String info(RespClient c, String... sections) {
        String[] argv = new String[sections.length + 1];
        argv[0] = "INFO";
        System.arraycopy(sections, 0, argv, 1, sections.length);
        return String.valueOf(c.value(argv));
    }

    @Test
    void infoEverythingHasEveryRedisSectionAndFieldInRedisOrder() {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (RespClient c : new RespClient[] {r, m}) {
                c.call("SET", "info-k", "v");
                c.call("NOSUCHCOMMAND");
            }
            Map<String, Map<String, String>> expected = parseInfo(info(r, "everything"));
            Map<String, Map<String, String>> actual = parseInfo(info(m, "everything"));
            assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
            for (String section : List.of("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Cluster")) {
                List<String> ours = new ArrayList<>(actual.get(section).keySet());
                // Magpie adds its own fields; Redis's must all be there, in Redis's order.
                ours.retainAll(expected.get(section).keySet());
                assertThat(ours).as(section).containsExactlyElementsOf(expected.get(section).keySet());
            }
            assertThat(actual.get("Server")).containsEntry("redis_version", "7.0.15").containsKey("magpie_version");
            assertThat(actual.get("Replication")).containsEntry("role", "master").containsEntry("connected_slaves", "0")
                    .containsEntry("master_failover_state", "no-failover")
                    .containsEntry("master_replid2", "0000000000000000000000000000000000000000")
                    .containsEntry("master_repl_offset", "0").containsEntry("second_repl_offset", "-1")
                    .containsEntry("repl_backlog_active", "0");
            assertThat(actual.get("Replication").get("master_replid")).matches("[0-9a-f]{40}");
        }
    }

    @Test
    void infoDefaultAllAndSectionSelectionsMatchRedisSectionNames() {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (String[] args : new String[][] {{}, {"all"}, {"default"}, {"server", "clients"}, {"KEYSPACE"}, {"commandstats"},
                    {"nosuch"}, {"everything"}, {"cpu", "memory", "nosuch"}}) {
                assertThat(parseInfo(info(m, args)).keySet()).as(String.join(" ", args))
                        .containsExactlyElementsOf(parseInfo(info(r, args)).keySet());
            }
        }
    }

    @Test
    void infoCommandstatsCountsCallsFailuresAndRejections() {
        try (RespClient m = magpie.client()) {
            m.call("CONFIG", "RESETSTAT");
            m.call("ECHO", "a");
            m.call("ECHO", "b");
            m.call("ECHO");
            m.call("CONFIG", "SET", "maxmemory", "abc");
            Map<String, String> stats = parseInfo(info(m, "commandstats")).get("Commandstats");
            assertThat(stats.get("cmdstat_echo")).matches("calls=2,usec=\\d+,usec_per_call=\\d+\\.\\d\\d,rejected_calls=1,failed_calls=0");
            assertThat(stats.get("cmdstat_config|set")).matches("calls=1,usec=\\d+,usec_per_call=\\d+\\.\\d\\d,rejected_calls=0,failed_calls=1");
            Map<String, String> errors = parseInfo(info(m, "errorstats")).get("Errorstats");
            assertThat(errors).containsEntry("errorstat_ERR", "count=2");
            assertThat(parseInfo(info(m, "stats")).get("Stats")).containsEntry("total_error_replies", "2");
            m.call("CONFIG", "RESETSTAT");
            assertThat(parseInfo(info(m, "commandstats")).get("Commandstats")).doesNotContainKey("cmdstat_echo");
            assertThat(parseInfo(info(m, "errorstats")).get("Errorstats")).isEmpty();
        }
    }

    @Test
    void infoKeyspaceCountsKeysAndExpiresPerDb() {
        try (RespClient m = magpie.client(); RespClient r = redis.client()) {
            for (RespClient c : new RespClient[] {r, m}) {
                c.call("SELECT", "5");
                c.call("SET", "a", "1");
                c.call("SET", "b", "2", "EX", "1000");
            }
            assertThat(parseInfo(info(m, "keyspace")).get("Keyspace").get("db5")).startsWith("keys=2,expires=1,avg_ttl=");
            assertThat(parseInfo(info(r, "keyspace")).get("Keyspace").get("db5")).startsWith("keys=2,expires=1,avg_ttl=");
        }
    }

    @Test
    void infoMemoryReportsUsedMemoryAndRss() {
        try (RespClient m = magpie.client()) {
            Map<String, String> mem = parseInfo(info(m, "memory")).get("Memory");
            assertThat(Long.parseLong(mem.get("used_memory"))).isPositive();
            assertThat(Long.parseLong(mem.get("used_memory_rss"))).isPositive();
            assertThat(mem.get("used_memory_human")).matches("\\d+(\\.\\d\\d[KMGTP])?B?");
            assertThat(mem.get("maxmemory_policy")).isEqualTo("noeviction");
        }
    }

    @Test
    void clientListAndInfoHaveRedisFieldsInOrder() {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            String ours = String.valueOf(m.value("CLIENT", "INFO"));
            String theirs = String.valueOf(r.value("CLIENT", "INFO"));
            assertThat(fieldNames(ours)).containsExactlyElementsOf(fieldNames(theirs));
            assertThat(ours).endsWith("\n").contains(" cmd=client|info ").contains(" flags=N ").contains(" resp=2");
            m.call("CLIENT", "SETNAME", "lister");
            m.call("SELECT", "3");
            String list = String.valueOf(m.value("CLIENT", "LIST"));
            String mine = list.lines().filter(l -> l.contains(" name=lister ")).findFirst().orElseThrow();
            assertThat(fieldNames(mine)).containsExactlyElementsOf(fieldNames(theirs));
            assertThat(mine).contains(" db=3 ").contains(" cmd=client|list ");
            long id = (Long) m.value("CLIENT", "ID");
            assertThat(mine).startsWith("id=" + id + " addr=127.0.0.1:");
            String byId = String.valueOf(m.value("CLIENT", "LIST", "ID", String.valueOf(id), "999999"));
            assertThat(byId.lines().toList()).hasSize(1);
            assertThat(byId).startsWith("id=" + id + " ").contains(" name=lister ");
            assertThat(String.valueOf(m.value("CLIENT", "LIST", "TYPE", "normal"))).contains(" name=lister ");
            assertThat(String.valueOf(m.value("CLIENT", "LIST", "TYPE", "pubsub"))).isEmpty();
            m.call("MULTI");
            m.call("PING");
            m.call("CLIENT", "NO-EVICT", "on");
            m.call("DISCARD");
        }
    }

    private static List<String> fieldNames(String line) {
        List<String> names = new ArrayList<>();
        Matcher mm = Pattern.compile("(?:^| )([a-z-]+)=").matcher(line.strip());
        while (mm.find()) names.add(mm.group(1));
        return names;
    }

    @Test
    void clientKillByIdAddrAndTypeClosesTheOtherConnection() {
        try (RespClient admin = magpie.client(); RespClient a = magpie.client(); RespClient b = magpie.client();
             RespClient d = magpie.client()) {
            long aId = (Long) a.value("CLIENT", "ID");
            assertThat(admin.value("CLIENT", "KILL", "ID", String.valueOf(aId))).isEqualTo(1L);
            a.setTimeout(5000);
            assertThat(a.isClosedByServer()).isTrue();

            String bInfo = String.valueOf(b.value("CLIENT", "INFO"));
            String bAddr = bInfo.replaceAll("(?s).* addr=(\\S+) .*", "$1");
            assertThat(admin.value("CLIENT", "KILL", bAddr).toString()).isEqualTo("OK");
            b.setTimeout(5000);
            assertThat(b.isClosedByServer()).isTrue();
            assertThat(admin.value("CLIENT", "KILL", bAddr).toString()).isEqualTo("(error) ERR No such client");

            // SKIPME yes by default: the admin survives a TYPE normal kill, d does not.
            assertThat((Long) admin.value("CLIENT", "KILL", "TYPE", "normal")).isGreaterThanOrEqualTo(1L);
            d.setTimeout(5000);
            assertThat(d.isClosedByServer()).isTrue();
            assertThat(admin.value("PING").toString()).isEqualTo("PONG");
            admin.send("CLIENT", "KILL", "ID", String.valueOf(admin.value("CLIENT", "ID")), "SKIPME", "no");
            assertThat(admin.read().value()).isEqualTo(1L);
            assertThat(admin.isClosedByServer()).isTrue();
        }
    }

    @Test
    void clientPauseWriteDelaysWritesUntilUnpauseAndLetsReadsThrough() {
        try (RespClient admin = magpie.client(); RespClient writer = magpie.client(); RespClient reader = magpie.client()) {
            admin.call("SET", "paused-k", "old");
            assertThat(admin.value("CLIENT", "PAUSE", "100000", "WRITE").toString()).isEqualTo("OK");
            writer.send("SET", "paused-k", "new");
            // Reads are served during the pause, and the write has not been applied.
            assertThat(reader.value("GET", "paused-k")).isEqualTo("old");
            assertThat(reader.value("GET", "paused-k")).isEqualTo("old");
            assertThat(admin.value("CLIENT", "UNPAUSE").toString()).isEqualTo("OK");
            assertThat(writer.read().value().toString()).isEqualTo("OK");
            assertThat(reader.value("GET", "paused-k")).isEqualTo("new");
        }
    }

    @Test
    void clientPauseEndsByItselfAfterItsTimeout() {
        try (RespClient admin = magpie.client(); RespClient writer = magpie.client()) {
            admin.call("CLIENT", "PAUSE", "200", "ALL");
            // The command waits for the end of the pause, then runs: it is delayed, not refused.
            assertThat(writer.value("SET", "pause-timeout-k", "v").toString()).isEqualTo("OK");
            assertThat(writer.value("GET", "pause-timeout-k")).isEqualTo("v");
        }
    }

    @Test
    void clientReplyOffSkipAndOnControlWhichRepliesAreSent() {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            String pipeline = "CLIENT REPLY SKIP\r\nPING one\r\nPING two\r\nCLIENT REPLY OFF\r\nPING three\r\nCLIENT REPLY SKIP\r\n"
                    + "PING four\r\nCLIENT REPLY ON\r\nPING five\r\n";
            for (RespClient c : new RespClient[] {r, m}) c.sendRaw(pipeline);
            for (int i = 0; i < 3; i++) Differential.compare("CLIENT REPLY reply " + i, "exact", r.read(), m.read());
            Differential.compare("after", "exact", r.call("PING", "six"), m.call("PING", "six"));
        }
    }

    @Test
    void monitorStreamsOtherClientsCommands() {
        try (RespClient mon = magpie.client(); RespClient c = magpie.client()) {
            assertThat(mon.value("MONITOR").toString()).isEqualTo("OK");
            c.call("SET", "mon-k", "a b\n");
            String line = mon.read().value().toString();
            assertThat(line).matches("\\d+\\.\\d{6} \\[0 127\\.0\\.0\\.1:\\d+\\] \"SET\" \"mon-k\" \"a b\\\\n\"");
        }
    }

    @Test
    void slowlogRecordsCommandsOverTheThreshold() {
        try (RespClient m = magpie.client()) {
            m.call("SLOWLOG", "RESET");
            m.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
            m.call("CLIENT", "SETNAME", "slowpoke");
            m.call("ECHO", "slow");
            m.call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
            List<?> entries = (List<?>) m.value("SLOWLOG", "GET", "2");
            assertThat(entries).hasSize(2);
            List<?> echo = (List<?>) entries.get(0);
            assertThat(echo).hasSize(6);
            assertThat(echo.get(3)).isEqualTo(List.of("ECHO", "slow"));
            assertThat(echo.get(4).toString()).startsWith("127.0.0.1:");
            assertThat(echo.get(5)).isEqualTo("slowpoke");
            assertThat((Long) m.value("SLOWLOG", "LEN")).isGreaterThanOrEqualTo(3L);
            assertThat(m.value("SLOWLOG", "RESET").toString()).isEqualTo("OK");
            assertThat(m.value("SLOWLOG", "LEN")).isEqualTo(0L);
        }
    }

    @Test
    void debugObjectSleepAndActiveExpireWhenEnabled() {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (RespClient c : new RespClient[] {r, m}) {
                c.call("SET", "dbg-int", "123");
                c.call("SET", "dbg-str", "hello");
                c.call("SET", "dbg-raw", "x".repeat(100));
            }
            for (String k : List.of("dbg-int", "dbg-str", "dbg-raw")) {
                String ours = m.value("DEBUG", "OBJECT", k).toString();
                String theirs = r.value("DEBUG", "OBJECT", k).toString();
                assertThat(ours.replaceAll("at:0x[0-9a-f]+|lru:\\d+|serializedlength:\\d+|lru_seconds_idle:\\d+", ""))
                        .isEqualTo(theirs.replaceAll("at:0x[0-9a-f]+|lru:\\d+|serializedlength:\\d+|lru_seconds_idle:\\d+", ""));
            }
            Differential d = new Differential(r, m);
            d.same("DEBUG", "OBJECT", "nosuchkey");
            d.same("DEBUG", "SLEEP", "0");
            d.same("DEBUG", "SET-ACTIVE-EXPIRE", "0");
            d.same("DEBUG", "SET-ACTIVE-EXPIRE", "1");
            d.same("DEBUG", "NOSUCH");
        }
    }

    @Test
    void latencyMonitorRecordsSlowCommandsOverTheThreshold() {
        try (RespClient m = magpie.client()) {
            m.call("LATENCY", "RESET");
            m.call("CONFIG", "SET", "latency-monitor-threshold", "1");
            m.call("DEBUG", "SLEEP", "0.02");
            m.call("CONFIG", "SET", "latency-monitor-threshold", "0");
            List<?> latest = (List<?>) m.value("LATENCY", "LATEST");
            assertThat(latest).hasSize(1);
            List<?> event = (List<?>) latest.get(0);
            assertThat(event.get(0)).isEqualTo("command");
            assertThat((Long) event.get(2)).isGreaterThanOrEqualTo(20L);
            assertThat((List<?>) m.value("LATENCY", "HISTORY", "command")).hasSize(1);
            assertThat(m.value("LATENCY", "RESET")).isEqualTo(1L);
        }
    }

    @Test
    void commandInfoOfEveryFullyImplementedCommandIsRedisByteForByte() {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            List<?> names = (List<?>) m.value("COMMAND", "LIST");
            assertThat(m.value("COMMAND", "COUNT")).isEqualTo((long) names.stream().filter(n -> !n.toString().contains("|")).count());
            int compared = 0;
            for (int resp : new int[] {2, 3}) {
                r.call("HELLO", String.valueOf(resp));
                m.call("HELLO", String.valueOf(resp));
                for (Object n : names) {
                    String name = n.toString();
                    // Containers list subcommands in Redis's (per-process random) dict order: each
                    // subcommand is compared on its own instead.
                    if (!name.contains("|") && names.stream().anyMatch(x -> x.toString().startsWith(name + "|"))) continue;
                    RespClient.Reply expected = r.call("COMMAND", "INFO", name);
                    // RedisBloom's BF.* are not Redis commands: their metadata is ours (commands-extra.json).
                    if (name.startsWith("bf.")) {
                        assertThat(expected.text()).isEqualTo("*1\r\n" + (resp == 2 ? "$-1\r\n" : "_\r\n"));
                        continue;
                    }
                    Differential.compare("COMMAND INFO " + name, "exact", expected, m.call("COMMAND", "INFO", name));
                    compared++;
                }
            }
            assertThat(compared).isGreaterThan(20);
        }
    }

    @Test
    void timeIsTheWallClockInSecondsAndMicroseconds() {
        try (RespClient m = magpie.client()) {
            long before = System.currentTimeMillis() / 1000;
            List<?> t = (List<?>) m.value("TIME");
            long after = System.currentTimeMillis() / 1000;
            assertThat(Long.parseLong(t.get(0).toString())).isBetween(before, after);
            assertThat(Long.parseLong(t.get(1).toString())).isBetween(0L, 999_999L);
        }
    }

    @Test
    void configSetAppliesToTheRunningServer() {
        try (RespClient m = magpie.client()) {
            m.call("CONFIG", "SET", "maxmemory", "1gb", "hz", "20");
            assertThat(parseInfo(info(m, "memory")).get("Memory")).containsEntry("maxmemory", "1073741824");
            assertThat(parseInfo(info(m, "server")).get("Server")).containsEntry("hz", "20");
            m.call("CONFIG", "SET", "maxmemory", "0", "hz", "10");
        }
    }

    @Test
    void configSetPortMovesTheListenerAndRefusesABusyPort() throws Exception {
        try (TestServer s = new TestServer(); java.net.ServerSocket busy = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            int oldPort = s.port();
            int newPort = RealRedis.freePort();
            try (RespClient c = s.client()) {
                assertThat(c.value("CONFIG", "SET", "port", String.valueOf(busy.getLocalPort())).toString())
                        .isEqualTo("(error) ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port");
                assertThat(c.value("CONFIG", "SET", "port", String.valueOf(newPort)).toString()).isEqualTo("OK");
                // The open connection stays; new ones go to the new port only.
                assertThat(c.value("PING").toString()).isEqualTo("PONG");
            }
            try (RespClient moved = new RespClient(newPort)) {
                assertThat(moved.value("PING").toString()).isEqualTo("PONG");
            }
            assertThat(s.port()).isEqualTo(newPort);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RespClient(oldPort).close())
                    .isInstanceOf(java.io.UncheckedIOException.class);
        }
    }

    @Test
    void shutdownClosesConnectionsAndStopsTheServer() throws Exception {
        TestServer s = new TestServer();
        try (RespClient c = s.client(); RespClient other = s.client()) {
            assertThat(c.value("SHUTDOWN", "FOO").toString()).isEqualTo("(error) ERR syntax error");
            c.send("SHUTDOWN", "NOSAVE");
            c.setTimeout(10_000);
            assertThat(c.isClosedByServer()).isTrue();
            other.setTimeout(10_000);
            assertThat(other.isClosedByServer()).isTrue();
            s.server().awaitTermination();
            assertThat(s.server().isShuttingDown()).isTrue();
        } finally {
            s.close();
        }
    }
}
