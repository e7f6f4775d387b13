package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.EngineHarness;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import io.magpie.engine.types.StreamGroup;
import io.magpie.engine.types.StreamValue;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamCommandsTest {
    private static String s(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** A sink that records, per stream key, its length and its group's PEL size when the snapshot reaches it. */
    private static final class Recorder implements KeyspaceSnapshot.Sink {
        final Map<String, String> got = new HashMap<>();

        @Override public void beginDb(int dbIndex, long keys, long expires) {}

        @Override public void entry(int dbIndex, byte[] key, Object value, long expireMs) {
            StreamValue st = (StreamValue) value;
            StreamGroup g = st.group("g".getBytes(StandardCharsets.US_ASCII));
            got.put(s(key), st.length + "/" + g.pel.size() + "/" + g.lastId);
        }

        @Override public void end() {}
    }

    @Test
    void groupEditsByReadLookupsDuringASnapshotDoNotLeakIntoIt() {
        EngineHarness h = new EngineHarness();
        Map<String, String> expected = new HashMap<>();
        for (int k = 0; k < 300; k++) {
            String key = "s" + k;
            for (int i = 1; i <= 4; i++) h.call("XADD", key, i + "-0", "f", "v");
            h.call("XGROUP", "CREATE", key, "g", "0");
            h.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", key, ">");
            expected.put(key, "4/2/2-0");
        }
        Recorder rec = new Recorder();
        KeyspaceSnapshot snap = KeyspaceSnapshot.start(h.engine, rec);
        int k = 0;
        while (!snap.step(2)) {
            // XACK, XREADGROUP and XCLAIM look the key up as a read, then edit the group in place.
            String key = "s" + (k++ % 300);
            h.call("XACK", key, "g", "1-0");
            h.call("XREADGROUP", "GROUP", "g", "c2", "STREAMS", key, ">");
            h.call("XCLAIM", key, "g", "c3", "0", "2-0");
            h.call("XAUTOCLAIM", key, "g", "c4", "0", "0");
        }
        assertThat(rec.got).isEqualTo(expected);
    }

    @Test
    void xreadgroupPropagatesXclaimAndSetidAndXaddItsGeneratedId() {
        EngineHarness h = new EngineHarness();
        h.call("XADD", "s", "*", "a", "1");
        h.call("XGROUP", "CREATE", "s", "g", "0");
        h.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">");
        h.call("XADD", "s", "MAXLEN", "~", "1", "*", "b", "2");
        h.call("XREADGROUP", "GROUP", "g", "d", "NOACK", "STREAMS", "s", ">");
        long now = h.clock.millis;
        // The approximate trim removed nothing (one node): replicas get the exact length it left.
        assertThat(h.propagated).containsExactly(
                "0:XADD s " + now + "-0 a 1",
                "0:XGROUP CREATE s g 0",
                "0:XCLAIM s g c 0 " + now + "-0 TIME " + now + " RETRYCOUNT 1 FORCE JUSTID LASTID " + now + "-0",
                "0:XADD s MAXLEN = 2 " + now + "-1 b 2",
                "0:MULTI", "0:XGROUP CREATECONSUMER s g d", "0:XGROUP SETID s g " + now + "-1 ENTRIESREAD 2", "0:EXEC");
    }
}
