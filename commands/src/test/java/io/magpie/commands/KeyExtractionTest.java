package io.magpie.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Key extraction from the table alone; expected answers are redis-server 7.0's COMMAND GETKEYSANDFLAGS. */
class KeyExtractionTest {
    private static final CommandTable<Object> TABLE = CommandTable.load();

    private static byte[][] argv(String... args) {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) a[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return a;
    }

    /** "key:FLAG,FLAG" for each key found. */
    private static List<String> keys(String... args) {
        byte[][] argv = argv(args);
        RedisCommand cmd = TABLE.lookupAny(argv, 0, argv.length);
        KeyReferences out = new KeyReferences();
        int n = KeyExtraction.getKeys(cmd, argv, 0, argv.length, out);
        assertThat(n).isEqualTo(out.count());
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder(args[out.position(i)]).append(':');
            for (int bit = 0; bit < KeyFlags.bits(); bit++) {
                if ((out.flags(i) & (1 << bit)) != 0) sb.append(KeyFlags.name(bit)).append(',');
            }
            l.add(sb.toString());
        }
        return l;
    }

    @Test
    void sortStoreIsAKey() {
        assertThat(keys("SORT", "k", "STORE", "d")).containsExactly("k:RO,access,", "d:OW,update,");
        assertThat(keys("sort", "k", "GET", "store", "BY", "store", "LIMIT", "store", "1")).containsExactly("k:RO,access,");
        assertThat(keys("SORT_RO", "k", "STORE", "d")).containsExactly("k:RO,access,");
    }

    @Test
    void migrateKeysForm() {
        assertThat(keys("MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b")).containsExactly("a:RW,access,delete,", "b:RW,access,delete,");
        assertThat(keys("MIGRATE", "h", "1", "k", "0", "5")).containsExactly("k:RW,access,delete,");
        assertThat(keys("MIGRATE", "h", "1", "k", "0", "5", "KEYS", "a")).isEmpty();
    }

    @Test
    void numkeysCommandsUseTheSpecsAndFallBackToTheProc() {
        assertThat(keys("EVAL", "s", "2", "a", "b", "c")).containsExactly("a:RW,access,update,", "b:RW,access,update,");
        assertThat(keys("EVAL", "s", "0")).isEmpty();
        // "01" is not a count for the key spec, but atoi reads 1 in EVAL's proc (no flags then).
        assertThat(keys("EVAL", "s", "01", "a")).containsExactly("a:");
        assertThat(keys("ZUNIONSTORE", "d", "2", "a", "b")).containsExactly("d:OW,update,", "a:RO,access,", "b:RO,access,");
        assertThat(keys("BLMPOP", "0", "2", "a", "b", "LEFT")).containsExactly("a:RW,access,delete,", "b:RW,access,delete,");
    }

    @Test
    void xreadKeysFollowStreams() {
        assertThat(keys("XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0")).containsExactly("a:RO,access,", "b:RO,access,");
        assertThat(keys("XREAD", "STREAMS", "a")).isEmpty();
    }

    @Test
    void setGetReadsTheKey() {
        assertThat(keys("SET", "k", "v")).containsExactly("k:OW,update,");
        assertThat(keys("SET", "k", "v", "get")).containsExactly("k:RW,access,update,");
        assertThat(keys("BITFIELD", "k", "GET", "u8", "0")).containsExactly("k:RO,access,");
        assertThat(keys("BITFIELD", "k", "INCRBY", "u8", "0", "1")).containsExactly("k:RW,access,update,");
    }

    @Test
    void georadiusStoreAndSubcommandKeys() {
        assertThat(keys("GEORADIUS", "k", "1", "2", "3", "m", "STOREDIST", "d")).containsExactly("k:RO,access,", "d:OW,update,");
        assertThat(keys("OBJECT", "ENCODING", "k")).containsExactly("k:RO,");
    }

    @Test
    void shardChannelsAreNotKeys() {
        byte[][] argv = argv("SPUBLISH", "ch", "m");
        assertThat(KeyExtraction.hasKeys(TABLE.lookupAny(argv, 0, 3))).isFalse();
    }

    @Test
    void extractionReadsACallNestedInALongerArgv() {
        byte[][] argv = argv("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2", "unused");
        RedisCommand mset = TABLE.lookupAny(argv, 2, 5);
        KeyReferences out = new KeyReferences();
        assertThat(KeyExtraction.getKeys(mset, argv, 2, 5, out)).isEqualTo(2);
        assertThat(out.position(0)).isEqualTo(1);
        assertThat(out.position(1)).isEqualTo(3);
    }

    @Test
    void lookupIsCaseInsensitiveAndResolvesSubcommands() {
        assertThat(TABLE.lookupAny(argv("gEt"), 0, 1).fullName).isEqualTo("get");
        assertThat(TABLE.lookupAny(argv("Config", "GET"), 0, 2).fullName).isEqualTo("config|get");
        assertThat(TABLE.lookupAny(argv("config", "nosuch"), 0, 2)).isNull();
        assertThat(TABLE.lookupAny(argv("nosuch"), 0, 1)).isNull();
        // Nothing is implemented in a bare table: clients see no command.
        assertThat(TABLE.lookup(argv("get")[0])).isNull();
    }
}
