package io.magpie.cluster.node;

import io.magpie.engine.Client;
import io.magpie.engine.ReplyException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The target's side of an atomic slot migration, the commands a source's link sends (Magpie
 * only; Redis's SETSLOT works a slot at a time, each a nodes.conf save and the last one's
 * configEpoch bump):
 * <ul>
 * <li>CLUSTER IMPORTSLOTS START source-id SLOTSRANGE a b [a b ...]: opens the slots for import
 * from source-id and makes this connection the import stream: its commands on importing slots
 * are served whole (no ASK, no TRYAGAIN for keys it lacks: the source sent every key before its
 * writes, as a master does to a replica);</li>
 * <li>CLUSTER IMPORTSLOTS TAKE SLOTSRANGE ...: the switch, every slot at once, one epoch bump;</li>
 * <li>CLUSTER IMPORTSLOTS DROP SLOTSRANGE ...: gives an import up, its keys deleted (a DEL each
 * to this node's replicas and AOF) and the slots closed; refused with "I'm already the owner"
 * when the slots are this node's. Replies the number of keys deleted.</li>
 * </ul>
 * An import stream that closes before TAKE is dropped the same way (the cluster cron notices):
 * a source killed mid-move leaves nothing half-imported here.
 */
final class ImportSlots {
    private ImportSlots() {}

    static void command(Client c, ClusterModule m) {
        String verb = c.argString(2).toUpperCase(java.util.Locale.ROOT);
        int i = 3;
        String source = null;
        if (verb.equals("START")) source = c.argString(i++);
        else if (!verb.equals("TAKE") && !verb.equals("DROP")) throw new ReplyException("ERR syntax error");
        if (i >= c.argc || !c.argIs(i++, "SLOTSRANGE")) throw new ReplyException("ERR syntax error");
        List<int[]> ranges = new ArrayList<>();
        i = MigrateSlots.ranges(c, i, ranges);
        if (ranges.isEmpty() || i != c.argc) throw new ReplyException("ERR syntax error");
        BitSet set = new BitSet();
        for (int[] r : ranges) set.set(r[0], r[1] + 1);
        int[] slots = set.stream().toArray();
        switch (verb) {
            case "START" -> {
                m.state.openImport(slots, source);
                forget(m, set);
                m.imports.put(c, slots);
                c.addReplyOk();
            }
            case "TAKE" -> {
                m.state.takeImportedSlots(slots);
                forget(m, set);
                c.addReplyOk();
            }
            default -> {
                c.addReplyLongLong(m.dropImport(slots));
                forget(m, set);
            }
        }
    }

    /**
     * These slots' import is decided (taken, dropped, or opened anew): no earlier stream's link
     * still speaks for them. A source that gives an import up sends DROP on a link of its own
     * (TargetCleanup), then closes the stream; the stream's entry, left behind, made the cron
     * drop the slots again when it noticed the closed link, by then the next migration's import
     * of the same slots, which the target then answered with MOVED (ClusterMigrateSlotsTest, a
     * clean-clone CI run).
     */
    private static void forget(ClusterModule m, BitSet slots) {
        for (var it = m.imports.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            int[] left = java.util.Arrays.stream(e.getValue()).filter(s -> !slots.get(s)).toArray();
            if (left.length == 0) it.remove();
            else e.setValue(left);
        }
    }
}
