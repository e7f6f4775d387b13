package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.EngineHarness;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.types.Values;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StringCommandsTest {
    private final EngineHarness h = new EngineHarness();
    private final long now = h.clock.millis;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private String encoding(String key) {
        return Values.encoding(h.engine.db(0).lookupNoTouch(b(key)));
    }

    private static final String WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    @Test
    void encodingsFollowRedisIntEmbstrRawRules() {
        h.value("SET", "i", "12345");
        h.value("SET", "e", "hello");
        h.value("SET", "r", "x".repeat(45));
        h.value("SET", "lead0", "012");
        assertThat(encoding("i")).isEqualTo("int");
        assertThat(encoding("e")).isEqualTo("embstr");
        assertThat(encoding("r")).isEqualTo("raw");
        assertThat(encoding("lead0")).isEqualTo("embstr");
        h.value("APPEND", "e", "");
        assertThat(encoding("e")).as("APPEND always unshares to raw").isEqualTo("raw");
        h.value("APPEND", "new", "77");
        assertThat(encoding("new")).as("APPEND creating the key encodes the argument").isEqualTo("int");
        h.value("SETRANGE", "sr", "0", "1");
        assertThat(encoding("sr")).isEqualTo("raw");
        h.value("INCR", "sr");
        assertThat(encoding("sr")).isEqualTo("int");
        h.value("SET", "f", "10");
        h.value("INCRBYFLOAT", "f", "1");
        assertThat(h.value("GET", "f")).isEqualTo("11");
        assertThat(encoding("f")).as("INCRBYFLOAT's result is never int-encoded").isEqualTo("embstr");
        h.value("APPEND", "f", "0");
        assertThat(h.value("GET", "f")).isEqualTo("110");
        assertThat(encoding("f")).isEqualTo("raw");
        h.value("INCRBYFLOAT", "f", "1e30");
        assertThat(encoding("f")).isEqualTo("embstr");
    }

    @Test
    void appendGrowsInPlaceAmortized() {
        h.value("SET", "k", "a");
        for (int i = 0; i < 1000; i++) h.value("APPEND", "k", "b");
        assertThat(h.value("STRLEN", "k")).isEqualTo(1001L);
        assertThat(((String) h.value("GET", "k"))).startsWith("ab").endsWith("bbb").hasSize(1001);
        assertThat(h.value("GETRANGE", "k", "-3", "-1")).isEqualTo("bbb");
    }

    @Test
    void setWithExpirePropagatesAsSetPxat() {
        h.value("SET", "k", "v", "EX", "10", "GET");
        assertThat(h.takePropagated()).containsExactly("0:SET k v PXAT " + (now + 10_000));
        h.value("SETEX", "k", "5", "v");
        assertThat(h.takePropagated()).containsExactly("0:SET k v PXAT " + (now + 5000));
        h.value("SET", "k", "v2", "GET", "get", "XX");
        assertThat(h.takePropagated()).containsExactly("0:SET k v2 XX");
    }

    @Test
    void setWithAnExpireInThePastStoresTheKeyThatThenExpires() {
        assertThat(h.value("SET", "k", "v", "PXAT", "1")).hasToString("OK");
        assertThat(h.takePropagated()).containsExactly("0:SET k v PXAT 1");
        assertThat(h.value("GET", "k")).isNull();
        assertThat(h.takePropagated()).containsExactly("0:DEL k");
    }

    @Test
    void getsetAndGetdelPropagateAsSetAndDel() {
        h.value("SET", "k", "v", "EX", "100");
        h.takePropagated();
        assertThat(h.value("GETSET", "k", "w")).isEqualTo("v");
        assertThat(h.takePropagated()).containsExactly("0:SET k w");
        assertThat(h.value("TTL", "k")).isEqualTo(-1L);
        assertThat(h.value("GETDEL", "k")).isEqualTo("w");
        assertThat(h.takePropagated()).containsExactly("0:DEL k");
        assertThat(h.value("GETDEL", "k")).isNull();
        assertThat(h.takePropagated()).isEmpty();
    }

    /** Checked against redis-server 7.0.15's AOF. */
    @Test
    void getdelPropagatesUnlinkWithLazyfreeLazyUserDel() throws Exception {
        h.engine.config.lazyfreeLazyUserDel.set("yes");
        h.value("SET", "k", "v");
        h.takePropagated();
        h.value("GETDEL", "k");
        assertThat(h.takePropagated()).containsExactly("0:UNLINK k");
    }

    @Test
    void getexPropagatesAsPexpireatPersistOrDel() {
        h.value("SET", "k", "v");
        h.takePropagated();
        assertThat(h.value("GETEX", "k")).isEqualTo("v");
        assertThat(h.takePropagated()).isEmpty();
        h.value("GETEX", "k", "EX", "10");
        assertThat(h.takePropagated()).containsExactly("0:PEXPIREAT k " + (now + 10_000));
        h.value("GETEX", "k", "PERSIST");
        assertThat(h.takePropagated()).containsExactly("0:PERSIST k");
        h.value("GETEX", "k", "PERSIST");
        assertThat(h.takePropagated()).as("nothing to persist: nothing propagated").isEmpty();
        assertThat(h.value("GETEX", "k", "EXAT", "1")).isEqualTo("v");
        assertThat(h.takePropagated()).containsExactly("0:DEL k");
        assertThat(h.value("EXISTS", "k")).isEqualTo(0L);
    }

    @Test
    void incrbyfloatPropagatesAsSetKeepttlAndPrintsLikeRedis() {
        h.value("SET", "k", "10.5", "EX", "100");
        h.takePropagated();
        assertThat(h.value("INCRBYFLOAT", "k", "0.1")).isEqualTo("10.6");
        assertThat(h.takePropagated()).containsExactly("0:SET k 10.6 KEEPTTL");
        assertThat(h.value("TTL", "k")).isEqualTo(100L);
        h.value("SET", "k", "1e17");
        assertThat(h.value("INCRBYFLOAT", "k", "0.3")).isEqualTo("100000000000000000.296875");
        assertThat(h.text("INCRBYFLOAT", "k", "inf")).isEqualTo("-ERR increment would produce NaN or Infinity\r\n");
        assertThat(h.text("INCRBYFLOAT", "k", "x")).isEqualTo("-ERR value is not a valid float\r\n");
    }

    @Test
    void everyStringCommandRefusesANonStringKey() {
        h.engine.db(0).add(b("l"), new FakeList());
        String[][] cmds = {{"GET", "l"}, {"GETSET", "l", "v"}, {"GETDEL", "l"}, {"GETEX", "l"}, {"APPEND", "l", "x"},
            {"SETRANGE", "l", "0", "x"}, {"GETRANGE", "l", "0", "1"}, {"STRLEN", "l"}, {"INCR", "l"}, {"DECRBY", "l", "1"},
            {"INCRBYFLOAT", "l", "1"}, {"SET", "l", "v", "GET"}};
        for (String[] c : cmds) assertThat(h.text(c)).as(String.join(" ", c)).isEqualTo(WRONGTYPE);
        assertThat(h.value("MGET", "l")).isEqualTo(java.util.Collections.singletonList(null));
        assertThat(h.text("LCS", "l", "x")).isEqualTo("-ERR The specified keys must contain string values\r\n");
        assertThat(h.value("SETRANGE", "l", "0", "")).isInstanceOf(RespClient.Err.class);
        assertThat(h.value("SET", "l", "v")).hasToString("OK");
    }

    @Test
    void appendAndSetrangeObeyProtoMaxBulkLen() {
        Config registry = new Config();
        registry.register(new LongParam("proto-max-bulk-len", 512L << 20, 1 << 20, Long.MAX_VALUE, true)).value(1 << 20);
        EngineHarness small = new EngineHarness(registry, 1_700_000_000_000L, 1);
        String err = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
        assertThat(small.text("SETRANGE", "k", String.valueOf(1 << 20), "x")).isEqualTo(err);
        assertThat(small.value("SETRANGE", "k", String.valueOf((1 << 20) - 1), "x")).isEqualTo((long) (1 << 20));
        assertThat(small.text("APPEND", "k", "y")).isEqualTo(err);
        assertThat(small.text("SETRANGE", "k", "9223372036854775807", "xy")).isEqualTo(err);
    }

    @Test
    void lcsIdxRepliesAsAMapInResp3() {
        Client c = h.client;
        c.setResp(3);
        h.value("MSET", "a", "ohmytext", "b", "mynewtext");
        assertThat(h.value("LCS", "a", "b")).isEqualTo("mytext");
        assertThat(h.value("LCS", "a", "b", "LEN")).isEqualTo(6L);
        assertThat(h.text("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"))
                .isEqualTo("%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n");
    }

    @Test
    void everyStringWriteFiresItsKeyspaceEvent() {
        Client sub = h.keyeventListener();
        h.value("SET", "k", "1", "EX", "10");
        h.value("INCRBY", "k", "2");
        h.value("APPEND", "k", "0");
        h.value("SETRANGE", "k", "0", "9");
        h.value("INCRBYFLOAT", "k", "1.5");
        List<String> events = EngineHarness.keyevents(sub).stream().map(e -> e.substring(0, e.indexOf(' '))).toList();
        assertThat(events).containsExactly("set", "expire", "incrby", "append", "setrange", "incrbyfloat");
    }

    /** The same sequence on redis-server 7.0.15 published exactly these keyevents. */
    @Test
    void keyeventsOfAMixedSequenceMatchRedis() {
        Client sub = h.keyeventListener();
        String[][] cmds = {{"SET", "k", "v", "EX", "10"}, {"EXPIRE", "k", "-1"}, {"SET", "k", "v"}, {"GETEX", "k", "EXAT", "1"},
            {"SET", "k", "1"}, {"INCRBYFLOAT", "k", "1"}, {"SETRANGE", "k", "0", ""}, {"APPEND", "k", ""}, {"GETEX", "k", "PERSIST"},
            {"EXPIRE", "k", "100"}, {"GETEX", "k", "PERSIST"}, {"GETSET", "k", "2"}, {"GETDEL", "k"}, {"SET", "a", "1"},
            {"COPY", "a", "a2"}, {"SWAPDB", "0", "1"}, {"FLUSHALL"}};
        for (String[] c : cmds) h.call(c);
        assertThat(EngineHarness.keyevents(sub)).containsExactly("set k", "expire k", "del k", "set k", "del k", "set k",
                "incrbyfloat k", "append k", "expire k", "persist k", "set k", "del k", "set a", "copy_to a2");
    }
}
