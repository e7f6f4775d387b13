package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.EngineHarness;
import org.junit.jupiter.api.Test;

/** RedisBloom's BF.* replies and errors, as its rebloom.c sends them. */
class BloomCommandsTest {
    private final EngineHarness harness = new EngineHarness();

    /** The raw RESP bytes of the reply, as text. */
    private String call(String... args) {
        return harness.call(args).text();
    }

    @Test
    void reserveCreatesAFilterAndRefusesAnExistingKey() {
        assertThat(call("BF.RESERVE", "bf", "0.01", "1000")).isEqualTo("+OK\r\n");
        assertThat(call("BF.RESERVE", "bf", "0.01", "1000")).isEqualTo("-ERR item exists\r\n");
        assertThat(call("TYPE", "bf")).isEqualTo("+MBbloom--\r\n");
    }

    @Test
    void reserveValidatesItsArgumentsWithRedisBloomsErrors() {
        assertThat(call("BF.RESERVE", "k", "abc", "100")).isEqualTo("-ERR bad error rate\r\n");
        assertThat(call("BF.RESERVE", "k", "1", "100")).isEqualTo("-ERR (0 < error rate range < 1) \r\n");
        assertThat(call("BF.RESERVE", "k", "0", "100")).isEqualTo("-ERR (0 < error rate range < 1) \r\n");
        assertThat(call("BF.RESERVE", "k", "0.1", "x")).isEqualTo("-ERR bad capacity\r\n");
        assertThat(call("BF.RESERVE", "k", "0.1", "0")).isEqualTo("-ERR (capacity should be larger than 0)\r\n");
        assertThat(call("BF.RESERVE", "k", "0.1", "10", "EXPANSION")).isEqualTo("-ERR no expansion\r\n");
        assertThat(call("BF.RESERVE", "k", "0.1", "10", "EXPANSION", "x")).isEqualTo("-ERR bad expansion\r\n");
        assertThat(call("BF.RESERVE", "k", "0.1", "10", "NONSCALING", "EXPANSION", "2"))
                .isEqualTo("-Nonscaling filters cannot expand\r\n");
        assertThat(call("BF.RESERVE", "k", "0.1")).isEqualTo("-ERR wrong number of arguments for 'BF.RESERVE' command\r\n");
        assertThat(call("bf.reserve", "k", "0.1", "1", "a", "b", "c", "d"))
                .isEqualTo("-ERR wrong number of arguments for 'bf.reserve' command\r\n");
    }

    @Test
    void addAndExistsReplyOneForNewAndZeroForKnownItems() {
        assertThat(call("BF.ADD", "bf", "a")).isEqualTo(":1\r\n");
        assertThat(call("BF.ADD", "bf", "a")).isEqualTo(":0\r\n");
        assertThat(call("BF.EXISTS", "bf", "a")).isEqualTo(":1\r\n");
        assertThat(call("BF.EXISTS", "bf", "zzz")).isEqualTo(":0\r\n");
        assertThat(call("BF.EXISTS", "nokey", "a")).isEqualTo(":0\r\n");
        assertThat(call("BF.MADD", "bf", "a", "b", "c")).isEqualTo("*3\r\n:0\r\n:1\r\n:1\r\n");
        assertThat(call("BF.MEXISTS", "bf", "a", "b", "nope")).isEqualTo("*3\r\n:1\r\n:1\r\n:0\r\n");
        assertThat(call("BF.MEXISTS", "nokey", "a", "b")).isEqualTo("*2\r\n:0\r\n:0\r\n");
        assertThat(call("BF.CARD", "bf")).isEqualTo(":3\r\n");
        assertThat(call("BF.CARD", "nokey")).isEqualTo(":0\r\n");
        assertThat(call("BF.ADD", "bf")).isEqualTo("-ERR wrong number of arguments for 'BF.ADD' command\r\n");
        assertThat(call("BF.EXISTS", "bf", "a", "b")).isEqualTo("-ERR wrong number of arguments for 'BF.EXISTS' command\r\n");
    }

    @Test
    void infoReportsRedisBloomsFiguresForADefaultFilter() {
        call("BF.ADD", "bf1", "observation1");
        // The example in RedisBloom's BF.INFO documentation.
        assertThat(call("BF.INFO", "bf1")).isEqualTo("*10\r\n+Capacity\r\n:100\r\n+Size\r\n:240\r\n"
                + "+Number of filters\r\n:1\r\n+Number of items inserted\r\n:1\r\n+Expansion rate\r\n:2\r\n");
        assertThat(call("BF.INFO", "bf1", "CAPACITY")).isEqualTo("*1\r\n:100\r\n");
        assertThat(call("BF.INFO", "bf1", "size")).isEqualTo("*1\r\n:240\r\n");
        assertThat(call("BF.INFO", "bf1", "Filters")).isEqualTo("*1\r\n:1\r\n");
        assertThat(call("BF.INFO", "bf1", "ITEMS")).isEqualTo("*1\r\n:1\r\n");
        assertThat(call("BF.INFO", "bf1", "EXPANSION")).isEqualTo("*1\r\n:2\r\n");
        assertThat(call("BF.INFO", "bf1", "OTHER")).isEqualTo("-Invalid information value\r\n");
        assertThat(call("BF.INFO", "nokey")).isEqualTo("-ERR not found\r\n");
        call("BF.RESERVE", "ns", "0.01", "10", "NONSCALING");
        assertThat(call("BF.INFO", "ns", "EXPANSION")).isEqualTo("*1\r\n$-1\r\n");
    }

    @Test
    void insertParsesOptionsByTheirFirstLetters() {
        assertThat(call("BF.INSERT", "bf", "CAPACITY", "1000", "ERROR", "0.001", "EXPANSION", "4", "ITEMS", "a", "b"))
                .isEqualTo("*2\r\n:1\r\n:1\r\n");
        assertThat(call("BF.INFO", "bf", "CAPACITY")).isEqualTo("*1\r\n:1000\r\n");
        assertThat(call("BF.INFO", "bf", "EXPANSION")).isEqualTo("*1\r\n:4\r\n");
        assertThat(call("BF.INSERT", "missing", "NOCREATE", "ITEMS", "a")).isEqualTo("-ERR not found\r\n");
        assertThat(call("BF.INSERT", "bf", "FOO", "ITEMS", "a")).isEqualTo("-Unknown argument received\r\n");
        assertThat(call("BF.INSERT", "x", "ERROR", "abc", "ITEMS", "a")).isEqualTo("-Bad error rate\r\n");
        assertThat(call("BF.INSERT", "x", "CAPACITY", "abc", "ITEMS", "a")).isEqualTo("-Bad capacity\r\n");
        assertThat(call("BF.INSERT", "x", "EXPANSION", "abc", "ITEMS", "a")).isEqualTo("-Bad expansion\r\n");
        assertThat(call("BF.INSERT", "x", "ERROR", "2", "ITEMS", "a")).isEqualTo("-Bad argument received\r\n");
        assertThat(call("BF.INSERT", "x", "CAPACITY", "0", "ITEMS", "a")).isEqualTo("-Bad argument received\r\n");
        assertThat(call("BF.INSERT", "x", "CAPACITY", "10", "ITEMS"))
                .isEqualTo("-ERR wrong number of arguments for 'BF.INSERT' command\r\n");
        assertThat(call("BF.INSERT", "x", "NONSCALING", "CAPACITY", "2", "ITEMS", "a", "b", "c", "d"))
                .isEqualTo("*3\r\n:1\r\n:1\r\n-ERR non scaling filter is full\r\n");
        assertThat(call("BF.ADD", "x", "e")).isEqualTo("-ERR non scaling filter is full\r\n");
        assertThat(call("BF.ADD", "x", "a")).isEqualTo(":0\r\n");
    }

    @Test
    void bloomCommandsOnAStringKeyAnswerWrongType() {
        call("SET", "s", "v");
        String wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        assertThat(call("BF.ADD", "s", "a")).isEqualTo(wrongType);
        assertThat(call("BF.RESERVE", "s", "0.1", "10")).isEqualTo(wrongType);
        assertThat(call("BF.INFO", "s")).isEqualTo(wrongType);
        assertThat(call("BF.CARD", "s")).isEqualTo(wrongType);
        assertThat(call("BF.EXISTS", "s", "a")).isEqualTo(":0\r\n");
        call("BF.ADD", "bf", "a");
        assertThat(call("GET", "bf")).isEqualTo(wrongType);
    }

    @Test
    void aScalingFilterAddsSubFiltersAsItFills() {
        call("BF.RESERVE", "bf", "0.01", "100", "EXPANSION", "3");
        for (int i = 0; i < 1000; i++) call("BF.ADD", "bf", "item" + i);
        // 100 + 300 + 900 covers ~1000 unique adds; false positives on adding may leave a few out.
        assertThat(call("BF.INFO", "bf", "FILTERS")).isEqualTo("*1\r\n:3\r\n");
        assertThat(call("BF.INFO", "bf", "CAPACITY")).isEqualTo("*1\r\n:1300\r\n");
        for (int i = 0; i < 1000; i++) assertThat(call("BF.EXISTS", "bf", "item" + i)).isEqualTo(":1\r\n");
    }
}
