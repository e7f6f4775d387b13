package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * COMMAND GETKEYS and GETKEYSANDFLAGS agree with redis-server for every command of Redis's
 * table that has keys, implemented by Magpie or not (Redis answers from the table alone).
 * Calls are built from each command's COMMAND DOCS arguments (required ones only, every
 * optional one, every repeatable one twice), then the hand-written cases whose keys depend
 * on the arguments; both replies are compared byte for byte in RESP2 and RESP3.
 */
class CommandGetKeysDifferentialTest extends AgainstRealRedis {

    @Test
    void everyCommandOfTheTableGetsTheKeysAndFlagsRedisGives() {
        List<List<String>> calls = new ArrayList<>();
        try (RespClient r = redis.client()) {
            List<?> docs = (List<?>) r.value("COMMAND", "DOCS");
            for (int i = 0; i + 1 < docs.size(); i += 2) {
                addGeneratedCalls((String) docs.get(i), asMap(docs.get(i + 1)), calls);
            }
        }
        assertThat(calls).hasSizeGreaterThan(500);
        // The generated calls are mostly valid: Redis finds keys in most of those with keys.
        assertThat(compareAll(calls)).isGreaterThan(400);
    }

    @Test
    void commandsWhoseKeysDependOnTheirArguments() {
        String[] lines = {
            "SORT k", "SORT k STORE d", "sort k by w_* get # get o_* limit 0 10 store d", "SORT k GET store STORE d",
            "SORT k BY store", "SORT k STORE", "SORT k STORE a STORE b", "SORT k LIMIT store 1 STORE d", "SORT_RO k BY x GET y",
            "MIGRATE h 1 k 0 5", "MIGRATE h 1 \"\" 0 5 KEYS a b", "MIGRATE h 1 k 0 5 KEYS a b", "MIGRATE h 1 \"\" 0 5 COPY REPLACE KEYS a",
            "MIGRATE h 1 \"\" 0 5 AUTH keys KEYS a b", "MIGRATE h 1 \"\" 0 5 AUTH2 keys keys KEYS a", "MIGRATE h 1 \"\" 0 5 AUTH2 u keys KEYS a",
            "MIGRATE h 1 \"\" 0 5", "MIGRATE h 1 \"\" 0 5 KEYS",
            "EVAL s 0", "EVAL s 2 a b c", "EVAL s 3 a b", "EVAL s x", "EVAL s -1 a", "EVAL s 01 a", "EVAL s +1 a", "EVAL s \" 1\" a",
            "EVAL s 4294967297 a", "EVAL s 99999999999999999999 a", "EVALSHA h 1 a", "EVAL_RO s 1 a b", "EVALSHA_RO h 2 a b",
            "FCALL f 1 a", "FCALL_RO f 0", "FCALL f 2 a",
            "XREAD STREAMS a b 0 0", "XREAD COUNT 2 BLOCK 0 STREAMS a 0", "XREAD STREAMS a", "XREAD STREAMS a b 0",
            "XREAD streams streams streams 0 0", "XREADGROUP GROUP streams c STREAMS a 0", "XREADGROUP GROUP g c NOACK STREAMS a b 0 1",
            "XREADGROUP GROUP g streams COUNT 1 STREAMS streams >", "XREAD FOO STREAMS a 0",
            "ZUNIONSTORE d 2 a b", "ZUNIONSTORE d 2 a b WEIGHTS 1 2", "ZUNIONSTORE d 0 a", "ZUNIONSTORE d 3 a b", "ZINTERSTORE d 1 a AGGREGATE MIN",
            "ZDIFFSTORE d 2 a b", "ZUNION 2 a b WITHSCORES", "ZINTER 1 a", "ZDIFF 2 a b", "ZDIFF x a", "ZINTERCARD 2 a b LIMIT 1", "ZINTERCARD 3 a b",
            "SINTERCARD 2 a b", "SINTERCARD 1 a LIMIT 5", "SINTERCARD 0 a",
            "LMPOP 2 a b LEFT", "LMPOP 1 a RIGHT COUNT 2", "LMPOP 3 a b LEFT", "BLMPOP 0 2 a b LEFT", "BLMPOP 0 x a LEFT",
            "ZMPOP 1 a MIN", "ZMPOP 2 a b MAX COUNT 3", "BZMPOP 1.5 2 a b MIN", "BZMPOP 0 0 a MIN",
            "GEORADIUS k 1 2 3 m", "GEORADIUS k 1 2 3 m STORE d", "GEORADIUS k 1 2 3 m STOREDIST d", "GEORADIUS k 1 2 3 m STORE a STOREDIST b",
            "GEORADIUS k 1 2 3 m STORE", "GEORADIUSBYMEMBER k m 3 km STORE d WITHDIST", "GEORADIUS_RO k 1 2 3 m", "GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 m",
            "SET k v", "SET k v GET", "SET k v get EX 10", "SET k v NX", "SET k v EX get",
            "BITFIELD k", "BITFIELD k GET u8 0", "BITFIELD k GET u8 0 SET u8 0 1", "BITFIELD k OVERFLOW WRAP INCRBY u8 0 1", "BITFIELD k GET u8",
            "BITFIELD k FOO", "BITFIELD_RO k GET u8 0",
            "OBJECT ENCODING k", "object freq k", "MEMORY USAGE k SAMPLES 5", "XINFO STREAM k FULL", "XGROUP CREATE k g $ MKSTREAM",
            "OBJECT", "OBJECT NOSUCH k", "CONFIG GET k", "SPUBLISH ch m", "PUBLISH ch m", "NOSUCH a", "get", "GET a b", "GeT a",
            "MSET a 1 b", "MSET a 1 b 2", "DEL a b c", "RENAME a b", "LMOVE a b LEFT RIGHT", "SMOVE a b m", "BLPOP a b 0",
        };
        List<List<String>> calls = new ArrayList<>();
        for (String line : lines) {
            List<String> argv = new ArrayList<>();
            for (byte[] a : io.magpie.protocol.ArgSplitter.split(line.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                argv.add(new String(a, java.nio.charset.StandardCharsets.UTF_8));
            }
            calls.add(argv);
        }
        compareAll(calls);
    }

    /** Compares every call's replies; returns how many calls Redis found keys in. */
    private static int compareAll(List<List<String>> calls) {
        int withKeys = 0;
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (int resp : new int[] {2, 3}) {
                r.call("HELLO", String.valueOf(resp));
                m.call("HELLO", String.valueOf(resp));
                for (List<String> call : calls) {
                    for (String sub : new String[] {"GETKEYS", "GETKEYSANDFLAGS"}) {
                        List<String> argv = new ArrayList<>(List.of("COMMAND", sub));
                        argv.addAll(call);
                        String[] a = argv.toArray(new String[0]);
                        RespClient.Reply expected = r.call(a);
                        Differential.compare("RESP" + resp + ": " + String.join(" ", a), "exact", expected, m.call(a));
                        if (resp == 2 && sub.equals("GETKEYS") && expected.value() instanceof List<?> l && !l.isEmpty()) withKeys++;
                    }
                }
            }
        }
        return withKeys;
    }

    /* ---------------- calls from COMMAND DOCS ---------------- */

    private static void addGeneratedCalls(String name, Map<String, Object> doc, List<List<String>> calls) {
        List<String> words = new ArrayList<>(List.of(name.split("\\|")));
        List<?> args = (List<?>) doc.get("arguments");
        for (int mode = 0; mode < 3; mode++) {
            List<String> call = new ArrayList<>(words);
            Counter keys = new Counter();
            if (args != null) for (Object a : args) emit(asMap(a), mode, call, keys);
            calls.add(call);
        }
        Object subs = doc.get("subcommands");
        if (subs instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) addGeneratedCalls((String) l.get(i), asMap(l.get(i + 1)), calls);
        }
    }

    private static final class Counter {
        int n;
    }

    /** Mode 0: required arguments; 1: every optional one too; 2: as 1, each repeatable one twice. */
    private static void emit(Map<String, Object> arg, int mode, List<String> out, Counter keys) {
        List<String> flags = new ArrayList<>();
        if (arg.get("flags") instanceof List<?> f) for (Object o : f) flags.add(String.valueOf(o));
        if (flags.contains("optional") && mode == 0) return;
        int times = flags.contains("multiple") && mode == 2 ? 2 : 1;
        for (int t = 0; t < times; t++) {
            // A repeated argument repeats its token only when the token is part of each repetition.
            if (arg.get("token") != null && (t == 0 || flags.contains("multiple_token"))) out.add(String.valueOf(arg.get("token")));
            String type = String.valueOf(arg.get("type"));
            switch (type) {
                case "key" -> out.add("key" + (++keys.n));
                case "integer" -> out.add("1");
                case "double" -> out.add("1.5");
                case "unix-time" -> out.add("1700000000");
                case "pure-token" -> { }
                case "oneof" -> emit(asMap(((List<?>) arg.get("arguments")).get(0)), Math.max(mode, 1), out, keys);
                case "block" -> {
                    for (Object sub : (List<?>) arg.get("arguments")) emit(asMap(sub), mode, out, keys);
                }
                default -> out.add(String.valueOf(arg.get("name")));
            }
        }
    }

    private static Map<String, Object> asMap(Object flat) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<?> l = (List<?>) flat;
        for (int i = 0; i + 1 < l.size(); i += 2) m.put(String.valueOf(l.get(i)), l.get(i + 1));
        return m;
    }
}
