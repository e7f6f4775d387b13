package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import io.magpie.engine.types.Values;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What set and sorted-set writes put on the write stream, blocking pops, and encodings as commands leave them. */
class SetZSetPropagationTest {
    private Engine engine;
    private final List<String> writes = new ArrayList<>();

    @BeforeEach
    void setUp() {
        engine = new Engine(new Config(), Clock.SYSTEM, 1);
        engine.start();
        engine.writes.addListener((db, argv) -> {
            StringBuilder sb = new StringBuilder();
            for (byte[] a : argv) sb.append(sb.length() == 0 ? "" : " ").append(new String(a, StandardCharsets.UTF_8));
            writes.add(sb.toString());
        });
    }

    private String run(Client c, String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        engine.execute(c, argv);
        String out = c.output().toString(StandardCharsets.UTF_8);
        c.output().clear();
        return out;
    }

    private String encoding(Client c, String key) {
        return Values.encoding(c.db.lookupNoTouch(key.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void spop_propagates_as_srem_of_the_popped_member() {
        Client c = Client.detached(engine);
        run(c, "SADD", "s", "a");
        writes.clear();
        assertThat(run(c, "SPOP", "s")).isEqualTo("$1\r\na\r\n");
        assertThat(writes).containsExactly("SREM s a");
    }

    @Test
    void spop_with_count_propagates_one_srem_per_member_in_multi_and_the_whole_set_as_del() {
        Client c = Client.detached(engine);
        run(c, "SADD", "s", "a", "b", "c");
        writes.clear();
        run(c, "SPOP", "s", "2");
        assertThat(writes).hasSize(4);
        assertThat(writes.get(0)).isEqualTo("MULTI");
        assertThat(writes.get(1)).startsWith("SREM s ");
        assertThat(writes.get(1).split(" ")).hasSize(3);
        assertThat(writes.get(3)).isEqualTo("EXEC");
        writes.clear();
        run(c, "SPOP", "s", "5");
        assertThat(writes).containsExactly("DEL s");
    }

    @Test
    void zmpop_propagates_as_zpopmin_with_count() {
        Client c = Client.detached(engine);
        run(c, "ZADD", "z", "1", "a", "2", "b");
        writes.clear();
        run(c, "ZMPOP", "2", "nokey", "z", "MIN");
        assertThat(writes).containsExactly("ZPOPMIN z 1");
    }

    @Test
    void zmpop_and_bzmpop_propagate_the_number_actually_popped() {
        Client c = Client.detached(engine);
        run(c, "ZADD", "z", "1", "a", "2", "b", "3", "c");
        writes.clear();
        run(c, "BZMPOP", "0", "1", "z", "MAX", "COUNT", "2");
        run(c, "ZMPOP", "1", "z", "MIN", "COUNT", "10");
        assertThat(writes).containsExactly("ZPOPMAX z 2", "ZPOPMIN z 1");
    }

    @Test
    void bzpopmin_on_a_non_empty_key_propagates_as_zpopmin() {
        Client c = Client.detached(engine);
        run(c, "ZADD", "z", "1", "a");
        writes.clear();
        assertThat(run(c, "BZPOPMIN", "z", "0")).isEqualTo("*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
        assertThat(writes).containsExactly("ZPOPMIN z");
    }

    @Test
    void a_blocked_bzpopmax_is_served_by_a_later_zadd_from_another_client() {
        Client blocked = Client.detached(engine);
        Client writer = Client.detached(engine);
        assertThat(run(blocked, "BZPOPMAX", "z1", "z2", "0")).isEmpty();
        assertThat(blocked.blocked).isTrue();
        writes.clear();
        run(writer, "ZADD", "z2", "1", "a", "5", "b");
        assertThat(blocked.blocked).isFalse();
        assertThat(blocked.output().toString(StandardCharsets.UTF_8)).isEqualTo("*3\r\n$2\r\nz2\r\n$1\r\nb\r\n$1\r\n5\r\n");
        assertThat(writes).contains("ZADD z2 1 a 5 b", "ZPOPMAX z2");
        assertThat(run(writer, "ZCARD", "z2")).isEqualTo(":1\r\n");
    }

    @Test
    void blocked_clients_are_served_in_arrival_order_one_member_each() {
        Client first = Client.detached(engine), second = Client.detached(engine), writer = Client.detached(engine);
        run(first, "BZMPOP", "0", "1", "z", "MIN", "COUNT", "1");
        run(second, "BZPOPMIN", "z", "0");
        run(writer, "ZADD", "z", "1", "a", "2", "b", "3", "c");
        assertThat(first.output().toString(StandardCharsets.UTF_8)).isEqualTo("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
        assertThat(second.output().toString(StandardCharsets.UTF_8)).isEqualTo("*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n");
        assertThat(run(writer, "ZRANGE", "z", "0", "-1")).isEqualTo("*1\r\n$1\r\nc\r\n");
    }

    @Test
    void a_blocking_pop_inside_exec_does_not_block() {
        Client c = Client.detached(engine);
        c.inExec = true;
        assertThat(run(c, "BZPOPMIN", "nokey", "0")).isEqualTo("*-1\r\n");
        assertThat(c.blocked).isFalse();
    }

    @Test
    void writes_fire_the_keyspace_events_redis_fires() throws Exception {
        engine.registry.find("notify-keyspace-events").set("KEA");
        Client sub = Client.detached(engine);
        engine.pubsub.psubscribe(sub, "__keyevent@0__:*".getBytes(StandardCharsets.UTF_8));
        Client c = Client.detached(engine);
        run(c, "SADD", "s", "a", "b");
        run(c, "SREM", "s", "a", "b");
        run(c, "ZADD", "z", "1", "a", "2", "b");
        run(c, "ZINCRBY", "z", "1", "a");
        run(c, "ZPOPMIN", "z");
        run(c, "ZREMRANGEBYSCORE", "z", "-inf", "+inf");
        run(c, "SADD", "s", "x");
        run(c, "SPOP", "s");
        String out = sub.output().toString(StandardCharsets.UTF_8);
        assertThat(out).contains("__keyevent@0__:sadd", "__keyevent@0__:srem", "__keyevent@0__:del", "__keyevent@0__:zadd",
                "__keyevent@0__:zincr", "__keyevent@0__:zpopmin", "__keyevent@0__:zremrangebyscore", "__keyevent@0__:spop");
    }

    @Test
    void zadd_incr_nan_replies_the_error_and_keeps_the_score() {
        Client c = Client.detached(engine);
        run(c, "ZADD", "z", "inf", "a");
        assertThat(run(c, "ZINCRBY", "z", "-inf", "a")).isEqualTo("-ERR resulting score is not a number (NaN)\r\n");
        assertThat(run(c, "ZSCORE", "z", "a")).isEqualTo("$3\r\ninf\r\n");
    }

    @Test
    void encodings_follow_the_config_thresholds() throws Exception {
        Client c = Client.detached(engine);
        engine.registry.find("set-max-intset-entries").set("2");
        engine.registry.find("zset-max-listpack-entries").set("2");
        engine.registry.find("zset-max-listpack-value").set("3");
        run(c, "SADD", "s", "1", "2");
        assertThat(encoding(c, "s")).isEqualTo("intset");
        run(c, "SADD", "s", "3");
        assertThat(encoding(c, "s")).isEqualTo("hashtable");
        run(c, "ZADD", "z", "1", "a", "2", "b");
        assertThat(encoding(c, "z")).isEqualTo("listpack");
        run(c, "ZADD", "z", "3", "c");
        assertThat(encoding(c, "z")).isEqualTo("skiplist");
        run(c, "ZADD", "lv", "1", "abcd");
        assertThat(encoding(c, "lv")).isEqualTo("skiplist");
        run(c, "ZUNIONSTORE", "dst", "1", "z", "WEIGHTS", "1");
        assertThat(encoding(c, "dst")).isEqualTo("skiplist");
        run(c, "ZRANGESTORE", "dst", "z", "0", "1");
        assertThat(encoding(c, "dst")).isEqualTo("listpack");
        run(c, "ZINTERSTORE", "dst", "1", "z");
        assertThat(encoding(c, "dst")).isEqualTo("skiplist");
        run(c, "ZREM", "z", "c");
        run(c, "ZINTERSTORE", "dst", "1", "z");
        assertThat(encoding(c, "dst")).isEqualTo("listpack");
        run(c, "SINTERSTORE", "si", "s", "s");
        assertThat(encoding(c, "si")).isEqualTo("hashtable");
        run(c, "SADD", "t", "1", "2");
        run(c, "SUNIONSTORE", "su", "t");
        assertThat(encoding(c, "su")).isEqualTo("intset");
    }

    @Test
    void rank_queries_on_a_large_sorted_set_agree_with_positions() {
        Client c = Client.detached(engine);
        List<String> args = new ArrayList<>(Arrays.asList("ZADD", "z"));
        for (int i = 0; i < 1000; i++) {
            args.add(Integer.toString(i));
            args.add("m" + i);
        }
        run(c, args.toArray(new String[0]));
        assertThat(run(c, "ZRANK", "z", "m500")).isEqualTo(":500\r\n");
        assertThat(run(c, "ZREVRANK", "z", "m500")).isEqualTo(":499\r\n");
        assertThat(run(c, "ZRANGE", "z", "998", "-1")).isEqualTo("*2\r\n$4\r\nm998\r\n$4\r\nm999\r\n");
        assertThat(run(c, "ZCOUNT", "z", "(10", "20")).isEqualTo(":10\r\n");
    }
}
