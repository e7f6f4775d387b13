package io.magpie.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The order in which a group's entries reach the keyspace: gates, and a snapshot loaded while entries wait on one. */
class RaftStateMachineTest {
    /** A keyspace that runs tasks at once and records the indexes it applied; the first entry waits on {@code gate}. */
    private static final class Recording implements RaftStateMachine.Keyspace {
        final List<Long> applied = new ArrayList<>();
        final CompletableFuture<Void> gate = new CompletableFuture<>();
        boolean first = true;

        @Override public void apply(LogEntry entry, long index) {
            applied.add(index);
        }

        @Override public void termApplied(long term) {}

        @Override public void load(Path rdb) {}

        @Override public String snapshot(Path target, Consumer<Boolean> done) {
            return "not here";
        }

        @Override public <T> T onKeyspaceThread(Callable<T> task) throws Exception {
            return task.call();
        }

        @Override public void execute(Runnable task) {
            task.run();
        }

        @Override public CompletableFuture<Void> gate(LogEntry entry) {
            if (!first) return null;
            first = false;
            return gate;
        }
    }

    private static CompletableFuture<Message> apply(RaftStateMachine sm, long index) {
        LogEntry e = LogEntry.write("n1", index, 0, 1, 1, false, List.<byte[][]>of(new byte[][] {"SET".getBytes(), "k".getBytes(), "v".getBytes()}));
        StateMachineLogEntryProto data = StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(e.encode())).build();
        TransactionContext trx = TransactionContext.newBuilder().setServerRole(RaftPeerRole.FOLLOWER).setStateMachine(sm)
                .setLogEntry(LogProtoUtils.toLogEntryProto(data, 1, index)).build();
        return sm.applyTransaction(trx);
    }

    @Test
    void entriesBehindAGateApplyInLogOrderOnceItOpens() {
        Recording ks = new Recording();
        RaftStateMachine sm = new RaftStateMachine(ks);
        CompletableFuture<Message> five = apply(sm, 5), six = apply(sm, 6);
        assertThat(ks.applied).isEmpty();
        ks.gate.complete(null);
        assertThat(ks.applied).containsExactly(5L, 6L);
        assertThat(five).isCompleted();
        assertThat(six).isCompleted();
        assertThat(sm.getLastAppliedTermIndex().getIndex()).isEqualTo(6);
    }

    @Test
    void aReadCompletesOnlyAfterTheEntriesWaitingOnAGate() {
        Recording ks = new Recording();
        RaftStateMachine sm = new RaftStateMachine(ks);
        assertThat(sm.query(Message.EMPTY)).as("nothing waits: at once").isCompleted();
        apply(sm, 5);
        sm.notifyTermIndexUpdated(1, 6); // a metadata entry: Ratis counts 6 applied as it hands it over
        CompletableFuture<Message> read = sm.query(Message.EMPTY);
        assertThat(read).as("5 waits on its gate: the read would miss it").isNotDone();
        ks.gate.complete(null);
        assertThat(ks.applied).containsExactly(5L);
        assertThat(read).isCompleted();
        assertThat(sm.getLastAppliedTermIndex().getIndex()).isEqualTo(6);
    }

    @Test
    void entriesStillWaitingWhenASnapshotPastThemLoadsDoNotApplyOnIt() {
        Recording ks = new Recording();
        RaftStateMachine sm = new RaftStateMachine(ks);
        CompletableFuture<Message> five = apply(sm, 5), six = apply(sm, 6);
        sm.loaded(6); // the leader's snapshot at 6 installed meanwhile: it holds both entries' effect
        ks.gate.complete(null);
        assertThat(ks.applied).as("applied again, they would land on the snapshot's keys a second time").isEmpty();
        assertThat(five).isCompleted();
        assertThat(six).isCompleted();
        apply(sm, 7);
        assertThat(ks.applied).containsExactly(7L);
    }
}
