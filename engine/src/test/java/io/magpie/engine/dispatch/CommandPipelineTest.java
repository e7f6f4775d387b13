package io.magpie.engine.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.EngineHarness;
import io.magpie.protocol.RespClient.Err;
import io.magpie.protocol.RespClient.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dispatch stages in processCommand's order, without a network: each case sets up two
 * refusals at once and checks that the earlier stage answers. The same pairs are compared
 * with redis-server end to end in the app's DispatchOrderTest.
 */
class CommandPipelineTest {
    private static final String NOAUTH = "NOAUTH Authentication required.";
    private static final String READONLY = "READONLY You can't write against a read only replica.";
    private static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
    private static final String MISCONF = "MISCONF test disk error";
    private static final String NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
    private static final String MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    private static final String LOADING = "LOADING Redis is loading the dataset in memory";

    /** A replication state the test flips by hand. */
    static final class Role implements ReplicationState {
        boolean replica, readOnly = true, linkUp = true, serveStale = true, goodReplicas = true;

        @Override public boolean isReplica() {
            return replica;
        }

        @Override public boolean replicaReadOnly() {
            return readOnly;
        }

        @Override public boolean masterLinkUp() {
            return linkUp;
        }

        @Override public boolean serveStaleData() {
            return serveStale;
        }

        @Override public boolean enoughGoodReplicas() {
            return goodReplicas;
        }
    }

    private final EngineHarness h = new EngineHarness();
    private final Client c = h.newClient();
    private final Role role = new Role();
    private String diskError;

    CommandPipelineTest() {
        h.engine.pipeline().setReplicationState(role);
        h.engine.pipeline().setDiskErrorState(() -> diskError);
    }

    private void requirePassword() {
        h.engine.setRequirePass("secret");
        c.authenticated = false;
    }

    private void outOfMemory() throws Exception {
        h.value("SET", "filler", "x".repeat(1000));
        h.engine.config.maxmemory.value(1);
        h.engine.config.maxmemoryPolicy.set("noeviction");
    }

    private Object set() {
        return h.value(c, "SET", "k", "v");
    }

    @Test
    void noauthBeforeReadonly() {
        role.replica = true;
        requirePassword();
        assertThat(set()).isEqualTo(new Err(NOAUTH));
    }

    @Test
    void noauthBeforeLoading() {
        h.engine.setLoading(true);
        requirePassword();
        assertThat(set()).isEqualTo(new Err(NOAUTH));
    }

    @Test
    void oomBeforeMisconfAndNoreplicas() throws Exception {
        outOfMemory();
        diskError = MISCONF;
        role.goodReplicas = false;
        assertThat(set()).isEqualTo(new Err(OOM));
    }

    @Test
    void misconfBeforeNoreplicas() {
        diskError = MISCONF;
        role.goodReplicas = false;
        assertThat(set()).isEqualTo(new Err(MISCONF));
    }

    @Test
    void misconfBeforeReadonly() {
        diskError = MISCONF;
        role.replica = true;
        assertThat(set()).isEqualTo(new Err(MISCONF));
    }

    @Test
    void readonlyBeforeMasterdownAndLoading() {
        role.replica = true;
        role.linkUp = false;
        role.serveStale = false;
        h.engine.setLoading(true);
        assertThat(set()).isEqualTo(new Err(READONLY));
        assertThat(h.value(c, "GET", "k")).isEqualTo(new Err(MASTERDOWN));
    }

    @Test
    void masterdownBeforeLoading() {
        role.replica = true;
        role.linkUp = false;
        role.serveStale = false;
        h.engine.setLoading(true);
        assertThat(h.value(c, "GET", "k")).isEqualTo(new Err(MASTERDOWN));
    }

    @Test
    void aRefusalWhileQueueingDoomsTheExec() {
        h.value(c, "MULTI");
        role.replica = true;
        assertThat(set()).isEqualTo(new Err(READONLY));
        role.replica = false;
        assertThat(h.value(c, "EXEC")).isEqualTo(new Err("EXECABORT Transaction discarded because of previous errors."));
    }

    @Test
    void execIsRecheckedAgainstStateThatChangedSinceMulti() {
        h.value(c, "MULTI");
        assertThat(set()).isEqualTo(new Status("QUEUED"));
        role.replica = true; // e.g. REPLICAOF between MULTI and EXEC
        assertThat(h.value(c, "EXEC")).isEqualTo(new Err("EXECABORT Transaction discarded because of: " + READONLY));
        assertThat(c.multi).isFalse();
        assertThat(h.value(c, "GET", "k")).isNull();
    }

    @Test
    void execOfReadsOnAReplicaThatLostItsMasterIsMasterdown() {
        role.replica = true;
        h.value(c, "MULTI");
        assertThat(h.value(c, "GET", "k")).isEqualTo(new Status("QUEUED"));
        role.linkUp = false;
        role.serveStale = false;
        assertThat(h.value(c, "EXEC")).isEqualTo(new Err("EXECABORT Transaction discarded because of: " + MASTERDOWN));
    }

    @Test
    void anObeyedClientPassesEveryCheck() {
        Client master = h.newClient();
        master.obeyed = true;
        role.replica = true;
        role.linkUp = false;
        role.serveStale = false;
        diskError = MISCONF;
        h.engine.setLoading(true);
        h.engine.setRequirePass("secret");
        master.authenticated = false;
        assertThat(h.value(master, "SET", "k", "v")).isEqualTo(new Status("OK"));
    }

    @Test
    void aWritePathMayParkTheClientUntilItsWriteApplies() {
        List<Client> parked = new ArrayList<>();
        h.engine.pipeline().setWritePath((cl, pipeline) -> {
            pipeline.park(cl);
            parked.add(cl);
        });
        assertThat(h.callAll(c, "SET", "k", "v")).isEmpty();
        assertThat(c.blocked).isTrue();
        assertThat(h.value("GET", "k")).as("reads do not take the write path").isNull();
        assertThat(h.propagated).isEmpty();

        // The entry applied: run it, propagate, reply, resume.
        Client cl = parked.remove(0);
        h.engine.pipeline().call(cl);
        h.engine.pipeline().propagate();
        h.engine.pipeline().unpark(cl);
        assertThat(cl.blocked).isFalse();
        assertThat(EngineHarness.drainValues(c)).containsExactly(new Status("OK"));
        assertThat(h.value("GET", "k")).isEqualTo("v");
        assertThat(h.propagated).containsExactly("0:SET k v");
    }

    @Test
    void topologyGuardIsAskedOnlyForCommandsWithKeys() {
        List<String> asked = new ArrayList<>();
        h.engine.pipeline().setTopologyGuard((cl, cmd, keys) -> {
            asked.add(cmd.fullName + " " + keys.count() + " " + TopologyGuard.slot(cl, keys, 0));
            return "MOVED " + TopologyGuard.slot(cl, keys, 0) + " 127.0.0.1:7001";
        });
        assertThat(h.value(c, "PING")).isEqualTo(new Status("PONG"));
        // CLUSTER KEYSLOT {user1}.a on redis-server is 8106.
        assertThat(h.value(c, "SET", "{user1}.a", "v")).isEqualTo(new Err("MOVED 8106 127.0.0.1:7001"));
        assertThat(asked).containsExactly("set 1 8106");
    }

    /** A guard whose refusal is about to pass (a leader being elected) parks the client; processed again, it is served. */
    @Test
    void aGuardMayHoldARefusedCommandAndProcessItAgainLater() {
        List<Client> held = new ArrayList<>();
        boolean[] leader = {false};
        h.engine.pipeline().setTopologyGuard(new TopologyGuard() {
            @Override public String check(Client cl, io.magpie.commands.RedisCommand cmd, io.magpie.commands.KeyReferences keys) {
                return leader[0] ? null : "TRYAGAIN election";
            }

            @Override public boolean hold(Client cl, io.magpie.commands.RedisCommand cmd, String refusal) {
                if (held.contains(cl)) return false; // held once already: the error
                held.add(cl);
                h.engine.pipeline().park(cl);
                return true;
            }
        });
        assertThat(h.callAll(c, "SET", "k", "v")).as("no reply while held").isEmpty();
        assertThat(c.blocked).isTrue();
        assertThat(h.engine.pipeline().checkScriptTopology(c, h.newClient(), h.engine.commands.lookup("set".getBytes()),
                new byte[][] {"SET".getBytes(), "k".getBytes(), "v".getBytes()})).as("a script's command is never held")
                .isEqualTo("ERR Script attempted to access a non local key in a cluster node");

        leader[0] = true;
        h.engine.pipeline().unpark(c);
        h.engine.pipeline().process(c);
        assertThat(EngineHarness.drainValues(c)).containsExactly(new Status("OK"));
        assertThat(h.value("GET", "k")).isEqualTo("v");

        leader[0] = false;
        Client other = h.newClient();
        held.add(other);
        assertThat(h.value(other, "SET", "k", "w")).as("a guard that does not hold: the refusal").isEqualTo(new Err("TRYAGAIN election"));
    }

    @Test
    void topologyBeforeOom() throws Exception {
        outOfMemory();
        h.engine.pipeline().setTopologyGuard((cl, cmd, keys) -> "MOVED 866 127.0.0.1:7001");
        assertThat(set()).isEqualTo(new Err("MOVED 866 127.0.0.1:7001"));
    }
}
