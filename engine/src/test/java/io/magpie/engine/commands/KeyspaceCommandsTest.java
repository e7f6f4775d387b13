package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Blocking;
import io.magpie.engine.Client;
import io.magpie.engine.EngineHarness;
import io.magpie.engine.keyspace.Database;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyspaceCommandsTest {
    private final EngineHarness h = new EngineHarness();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }



    @Test
    void flushallPropagatesFlushallEvenWhenEmpty() {
        assertThat(h.value("FLUSHALL")).hasToString("OK");
        assertThat(h.takePropagated()).containsExactly("0:FLUSHALL");
        h.value("SET", "k", "v");
        h.takePropagated();
        h.value("FLUSHALL", "ASYNC");
        assertThat(h.takePropagated()).containsExactly("0:FLUSHALL ASYNC");
        assertThat(h.value("DBSIZE")).isEqualTo(0L);
    }

    @Test
    void flushdbPropagatesInItsDbAndLeavesOthers() {
        h.value("SET", "a", "1");
        h.value("SELECT", "1");
        h.value("SET", "b", "1");
        h.takePropagated();
        h.value("FLUSHDB");
        assertThat(h.takePropagated()).containsExactly("1:FLUSHDB");
        assertThat(h.engine.db(0).size()).isEqualTo(1);
        assertThat(h.engine.db(1).size()).isZero();
    }

    @Test
    void flushdbFlushallAndSwapdbInvalidateWatchers() {
        Client w = h.newClient();
        h.value("SET", "k", "v");
        h.engine.watch(w, b("k"));
        h.value("FLUSHDB");
        assertThat(w.dirtyCas).isTrue();

        Client w2 = h.newClient();
        h.engine.watch(w2, b("nosuch"));
        h.value("FLUSHALL");
        assertThat(w2.dirtyCas).as("a watched key that did not exist is not touched").isFalse();

        // SWAPDB: a key that exists only in the db swapped in counts as modified.
        h.value("SELECT", "1");
        h.value("SET", "nosuch", "now");
        h.value("SELECT", "0");
        h.value("SWAPDB", "0", "1");
        assertThat(w2.dirtyCas).isTrue();
    }

    @Test
    void swapdbRechecksClientsBlockedOnKeysOfBothDbs() {
        Client blocked = h.newClient();
        List<String> tried = new ArrayList<>();
        h.engine.blocking.block(blocked, h.engine.db(0), new byte[][] {b("q")}, 0, new Blocking.Waiter() {
            @Override public boolean tryServe(Client c, Database db, byte[] key) {
                tried.add(db.id + ":" + new String(key, StandardCharsets.UTF_8));
                return db.size() > 0;
            }

            @Override public void timeout(Client c) { }
        });
        h.value("SELECT", "1");
        h.value("SET", "q", "x");
        assertThat(tried).isEmpty();
        h.value("SWAPDB", "0", "1");
        assertThat(tried).containsExactly("0:q");
        assertThat(blocked.blocked).isFalse();
    }

    @Test
    void renameMovesValueAndTtlAndNotifiesFromAndTo() throws Exception {
        Client sub = h.keyeventListener();
        h.value("SET", "a", "1", "EX", "100");
        EngineHarness.keyevents(sub);
        assertThat(h.value("RENAME", "a", "b")).hasToString("OK");
        assertThat(EngineHarness.keyevents(sub)).containsExactly("rename_from a", "rename_to b");
        assertThat(h.value("TTL", "b")).isEqualTo(100L);
        assertThat(h.value("EXISTS", "a")).isEqualTo(0L);
        assertThat(h.text("RENAME", "a", "b")).isEqualTo("-ERR no such key\r\n");
    }

    @Test
    void copyAndMoveNotifyAndKeepTtl() throws Exception {
        Client sub = h.keyeventListener();
        h.value("SET", "a", "1", "PX", "100000");
        EngineHarness.keyevents(sub);
        assertThat(h.value("COPY", "a", "c", "DB", "2")).isEqualTo(1L);
        assertThat(EngineHarness.keyevents(sub)).containsExactly("copy_to c");
        assertThat(h.engine.db(2).getExpire(b("c"))).isEqualTo(h.clock.millis + 100000);
        assertThat(h.value("MOVE", "a", "3")).isEqualTo(1L);
        assertThat(EngineHarness.keyevents(sub)).containsExactly("move_from a", "move_to a");
        assertThat(h.engine.db(3).getExpire(b("a"))).isEqualTo(h.clock.millis + 100000);
    }

    @Test
    void copyOfAnEditedStringIsIndependent() {
        h.value("SET", "a", "hello");
        h.value("APPEND", "a", "!");
        h.value("COPY", "a", "b");
        h.value("APPEND", "a", "?");
        assertThat(h.value("GET", "b")).isEqualTo("hello!");
        assertThat(h.value("GET", "a")).isEqualTo("hello!?");
    }

    @Test
    void delNotifiesDelPerExistingKeyAndCountsDirty() throws Exception {
        Client sub = h.keyeventListener();
        h.value("MSET", "a", "1", "b", "2");
        EngineHarness.keyevents(sub);
        long dirty = h.engine.dirty;
        assertThat(h.value("DEL", "a", "b", "c")).isEqualTo(2L);
        assertThat(h.engine.dirty - dirty).isEqualTo(2);
        assertThat(EngineHarness.keyevents(sub)).containsExactly("del a", "del b");
        assertThat(h.takePropagated()).last().isEqualTo("0:DEL a b c");
    }

    @Test
    void typeAndExistsDoNotTouchTheKeyButCountHitsAndMisses() {
        h.value("SET", "a", "1");
        h.engine.db(0).entry(b("a")).lru = 12345;
        long hits = h.engine.stats.keyspaceHits, misses = h.engine.stats.keyspaceMisses;
        assertThat(h.value("TYPE", "a")).hasToString("string");
        assertThat(h.value("EXISTS", "a", "nosuch")).isEqualTo(1L);
        assertThat(h.value("TYPE", "nosuch")).hasToString("none");
        assertThat(h.engine.db(0).entry(b("a")).lru).isEqualTo(12345);
        assertThat(h.engine.stats.keyspaceHits - hits).isEqualTo(2);
        assertThat(h.engine.stats.keyspaceMisses - misses).isEqualTo(2);
    }

    @Test
    void typeNamesNonStringValues() {
        h.engine.db(0).add(b("l"), new FakeList());
        assertThat(h.value("TYPE", "l")).hasToString("list");
    }

    @Test
    void keysAndScanSkipExpiredKeys() {
        h.value("SET", "live", "1");
        h.value("SET", "dead", "1", "PX", "10");
        h.clock.advance(20);
        assertThat(h.value("KEYS", "*")).isEqualTo(List.of("live"));
        assertThat(h.value("SCAN", "0")).isEqualTo(List.of("0", List.of("live")));
        assertThat(h.value("RANDOMKEY")).isEqualTo("live");
    }

    @Test
    void scanWithTypeFiltersByTypeName() {
        h.value("SET", "s", "1");
        h.engine.db(0).add(b("l"), new FakeList());
        assertThat(h.value("SCAN", "0", "TYPE", "LIST")).isEqualTo(List.of("0", List.of("l")));
        assertThat(h.value("SCAN", "0", "TYPE", "string")).isEqualTo(List.of("0", List.of("s")));
    }

    @Test
    void scanWalksALargeKeyspaceInSteps() {
        for (int i = 0; i < 1000; i++) h.value("SET", "key:" + i, "v");
        java.util.Set<Object> seen = new java.util.HashSet<>();
        String cursor = "0";
        int calls = 0;
        do {
            @SuppressWarnings("unchecked")
            List<Object> reply = (List<Object>) h.value("SCAN", cursor, "COUNT", "20");
            cursor = (String) reply.get(0);
            seen.addAll((List<?>) reply.get(1));
            calls++;
        } while (!cursor.equals("0") && calls < 10_000);
        assertThat(seen).hasSize(1000);
        assertThat(calls).isGreaterThan(10);
    }

    @Test
    void scanCursorParsesLikeStrtoul() {
        assertThat(Scan.parseCursor(b("-1"))).isEqualTo(-1L);
        assertThat(Long.toUnsignedString(Scan.parseCursor(b("18446744073709551615")))).isEqualTo("18446744073709551615");
        assertThat(Scan.parseCursor(b(""))).isZero();
        assertThat(h.text("SCAN", "18446744073709551616")).isEqualTo("-ERR invalid cursor\r\n");
        assertThat(h.text("SCAN", "+")).isEqualTo("-ERR invalid cursor\r\n");
    }
    /** Writes as redis-server 7.0.15 appended them to its AOF for the same commands (times masked). */
    @Test
    void propagatedWritesMatchRedisAof() {
        String[] commands = {
                "FLUSHALL",
                "FLUSHDB",
                "DEL nosuch",
                "SETEX a 100 v",
                "PSETEX a 100000 v",
                "SET a v GET",
                "SET a v NX",
                "SETNX b v",
                "SETNX b v",
                "MSETNX c 1 d 2",
                "MSETNX c 1 e 2",
                "GETEX a EX 100",
                "GETEX a PERSIST",
                "GETEX a PERSIST",
                "EXPIRE a 100 NX",
                "PEXPIRE a 100 GT",
                "PERSIST a",
                "PERSIST a",
                "RENAME a z",
                "RENAMENX z c",
                "COPY z y",
                "COPY z y",
                "MOVE y 1",
                "APPEND z x",
                "SETRANGE z 0 Y",
                "SETRANGE z 0 \"\"",
                "INCR c",
                "INCRBY c 5",
                "DECRBY c 2",
                "INCRBYFLOAT c 1.5",
                "UNLINK z nosuch",
                "TOUCH c",
                "GETSET c 1",
                "SWAPDB 0 0",
                "EXPIREAT c 1",
                "SET q 1 EXAT 1",
                "SET r 1 KEEPTTL GET"};
        for (String line : commands) h.call(line.split(" "));
        List<String> got = new ArrayList<>();
        for (String p : h.takePropagated()) got.add(p.substring(2).replaceAll("[0-9]{13}", "TS"));
        assertThat(got).containsExactly(
                "FLUSHALL",
                "FLUSHDB",
                "SET a v PXAT TS",
                "SET a v PXAT TS",
                "SET a v",
                "SETNX b v",
                "MSETNX c 1 d 2",
                "PEXPIREAT a TS",
                "PERSIST a",
                "PEXPIREAT a TS NX",
                "PERSIST a",
                "RENAME a z",
                "COPY z y",
                "MOVE y 1",
                "APPEND z x",
                "SETRANGE z 0 Y",
                "SETRANGE z 0 \"\"",
                "INCR c",
                "INCRBY c 5",
                "DECRBY c 2",
                "SET c 6.5 KEEPTTL",
                "UNLINK z nosuch",
                "SET c 1",
                "SWAPDB 0 0",
                "DEL c",
                "SET q 1 PXAT 1000",
                "SET r 1 KEEPTTL");
    }
}
