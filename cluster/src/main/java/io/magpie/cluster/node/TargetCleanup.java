package io.magpie.cluster.node;

import io.magpie.cluster.state.ClusterNode;
import io.magpie.server.Log;

/**
 * After a slot migration stopped short: makes the target drop what it imported (CLUSTER
 * IMPORTSLOTS DROP: its keys in the slots deleted, the slots closed), retried every second
 * until the target answers: it may be down, or restarting with the imported keys in its AOF.
 * The target refuses when it owns the slots, which happens only when the link broke after it
 * took them: then they are its own, and this node gives them up. Either way the commands held
 * on the slots during an interrupted switch go on once the answer is known.
 */
final class TargetCleanup implements MigrationLink.Listener {
    private static final long RETRY_MS = 1_000;

    private final ClusterModule m;
    private final String targetId;
    private final int[] slots;
    private final boolean fenced;
    private MigrationLink link;
    private long retryAt;
    private boolean done;

    /** fenced: the slots are held until the target says whether it took them. */
    TargetCleanup(ClusterModule m, String targetId, int[] slots, boolean fenced) {
        this.m = m;
        this.targetId = targetId;
        this.slots = slots.clone();
        this.fenced = fenced;
    }

    boolean covers(int slot) {
        if (done) return false;
        for (int s : slots) if (s == slot) return true;
        return false;
    }

    boolean done() {
        return done;
    }

    /** The cron: (re)connects when due. */
    void tick(long now) {
        if (done || link != null || now < retryAt) return;
        ClusterNode target = m.state.lookupNode(targetId);
        if (target == null) {
            // Forgotten by the cluster: nobody is left to clean, nor to own the slots but this node.
            Log.warning("MIGRATESLOTS: target %s forgotten, its import of %d slots is not cleaned", targetId, slots.length);
            finish(false);
            return;
        }
        link = new MigrationLink(this);
        link.connect(m.server.mainLoop(), m.server.clientChannelClass(), target.ip(), target.port(), RETRY_MS * 5);
    }

    @Override
    public void connected() {
        link.write(MigrateSlots.command("DROP", null, slots));
        link.flush();
    }

    @Override
    public void reply(Object r) {
        if (done) return;
        if (!(r instanceof ReplyReader.Error e)) {
            Log.notice("MIGRATESLOTS: the target %s dropped what it had imported (%s keys)", targetId, r);
            finish(false);
        } else if (e.message().contains("already the owner")) {
            Log.notice("MIGRATESLOTS: the target %s took the slots before the link broke: given up here", targetId);
            finish(true);
        } else {
            Log.warning("MIGRATESLOTS: the target %s refused to drop its import: %s; retrying", targetId, e.message());
            link.close();
            closed(e.message());
        }
    }

    @Override
    public void closed(String reason) {
        link = null;
        retryAt = System.currentTimeMillis() + RETRY_MS;
    }

    private void finish(boolean takenByTarget) {
        done = true;
        if (link != null) link.close();
        link = null;
        if (takenByTarget) m.giveUpSlots(slots, targetId);
        else if (fenced) m.fence.lift(slots);
    }
}
