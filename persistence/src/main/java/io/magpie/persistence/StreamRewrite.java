package io.magpie.persistence;

import io.magpie.engine.types.StreamGroup;
import io.magpie.engine.types.StreamGroup.Consumer;
import io.magpie.engine.types.StreamValue;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A stream as the commands that rebuild it in an AOF base file (aof.c's rewriteStreamObject):
 * XADD per entry (or XADD MAXLEN 0 of a placeholder for an empty stream), XSETID with the
 * counters, and per group XGROUP CREATE with ENTRIESREAD, XCLAIM ... FORCE for each pending
 * entry of each consumer, XGROUP CREATECONSUMER for consumers with nothing pending.
 */
final class StreamRewrite {
    private StreamRewrite() {}

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] n(long v) {
        return b(Long.toString(v));
    }

    private static final byte[] XADD = b("XADD"), XSETID = b("XSETID"), XGROUP = b("XGROUP"), CREATE = b("CREATE"),
            CREATECONSUMER = b("CREATECONSUMER"), XCLAIM = b("XCLAIM"), MAXLEN = b("MAXLEN"), ZERO = b("0"),
            ENTRIESADDED = b("ENTRIESADDED"), MAXDELETEDID = b("MAXDELETEDID"), ENTRIESREAD = b("ENTRIESREAD"),
            TIME = b("TIME"), RETRYCOUNT = b("RETRYCOUNT"), JUSTID = b("JUSTID"), FORCE = b("FORCE");

    static void emit(byte[] key, StreamValue s, java.util.function.Consumer<byte[][]> out) {
        if (s.length > 0) {
            StreamValue.Iter it = s.iterator(null, null, false);
            while (it.next()) {
                byte[][] argv = new byte[3 + 2 * it.numFields][];
                argv[0] = XADD;
                argv[1] = key;
                argv[2] = it.id().toBytes();
                for (int i = 0; i < it.numFields; i++) {
                    argv[3 + 2 * i] = it.field(i);
                    argv[4 + 2 * i] = it.value(i);
                }
                out.accept(argv);
            }
        } else {
            // Creates the key with no entries; XSETID then restores the counters.
            out.accept(new byte[][] {XADD, key, MAXLEN, ZERO, b("0-1"), b("x"), b("y")});
        }
        out.accept(new byte[][] {XSETID, key, s.lastId.toBytes(), ENTRIESADDED, n(s.entriesAdded), MAXDELETEDID, s.maxDeletedId.toBytes()});
        if (s.groups == null) return;
        for (Map.Entry<byte[], StreamGroup> e : s.groups.entrySet()) {
            byte[] group = e.getKey();
            StreamGroup g = e.getValue();
            out.accept(new byte[][] {XGROUP, CREATE, key, group, g.lastId.toBytes(), ENTRIESREAD, n(g.entriesRead)});
            for (Consumer c : g.consumers.values()) {
                if (c.pel.isEmpty()) {
                    out.accept(new byte[][] {XGROUP, CREATECONSUMER, key, group, c.name});
                    continue;
                }
                c.pel.forEach((id, nack) -> out.accept(new byte[][] {XCLAIM, key, group, c.name, ZERO, id.toBytes(), TIME,
                        n(nack.deliveryTime), RETRYCOUNT, n(nack.deliveryCount), JUSTID, FORCE}));
            }
        }
    }
}
