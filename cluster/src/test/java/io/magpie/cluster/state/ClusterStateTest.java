package io.magpie.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.cluster.bus.MsgType;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The cluster logic on a simulated network (virtual time, messages delivered in order): the
 * promises of Redis Cluster, each test named after one.
 */
class ClusterStateTest {
    private static final long TIMEOUT = 1000;

    /** Three masters with one replica each, cluster formed and ok. */
    private static FakeNetwork sixNodes() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "m1", "m2", "m3", "r1", "r2", "r3");
        FakeNetwork.Node m1 = net.node("m1");
        FakeNetwork.Node m2 = net.node("m2");
        FakeNetwork.Node m3 = net.node("m3");
        FakeNetwork.Node r1 = net.node("r1");
        FakeNetwork.Node r2 = net.node("r2");
        FakeNetwork.Node r3 = net.node("r3");
        net.assignSlots(m1, m2, m3);
        replicate(net, r1, m1);
        replicate(net, r2, m2);
        replicate(net, r3, m3);
        net.runUntil("cluster ok everywhere", net::allOk, 10_000);
        return net;
    }

    private static void replicate(FakeNetwork net, FakeNetwork.Node replica, FakeNetwork.Node master) {
        replica.state.replicate(master.id(), true);
        net.process(replica);
        net.runUntil(replica + " known as replica of " + master, () -> {
            for (FakeNetwork.Node n : net.nodes.values()) {
                ClusterNode v = n.view(replica);
                if (v == null || v.slaveof() == null || !v.slaveof().name().equals(master.id())) return false;
            }
            return true;
        }, 10_000);
    }

    @Test
    void meetThenGossipMakesEveryNodeKnowEveryOther() {
        FakeNetwork net = new FakeNetwork(TIMEOUT);
        FakeNetwork.Node a = net.add("a");
        FakeNetwork.Node b = net.add("b");
        FakeNetwork.Node c = net.add("c");
        FakeNetwork.Node d = net.add("d");
        // a meets b only; b meets c, c meets d: gossip does the rest.
        a.state.meet("127.0.0.1", b.port, b.port + 10000, net.now);
        b.state.meet("127.0.0.1", c.port, c.port + 10000, net.now);
        c.state.meet("127.0.0.1", d.port, d.port + 10000, net.now);
        net.process(a);
        net.process(b);
        net.process(c);
        net.runUntil("full mesh", () -> a.view(d) != null && d.view(a) != null && !a.view(d).inHandshake()
            && !d.view(a).inHandshake() && a.state.nodes().size() == 4 && d.state.nodes().size() == 4, 20_000);
        assertThat(a.view(d).ip()).isEqualTo("127.0.0.1");
        assertThat(a.view(d).port()).isEqualTo(d.port);
    }

    @Test
    void aMeetToAnAddressAlreadyInHandshakeIsNotRepeated() {
        FakeNetwork net = new FakeNetwork(TIMEOUT);
        FakeNetwork.Node a = net.add("a");
        a.state.meet("127.0.0.1", 7100, 17100, net.now);
        a.state.meet("127.0.0.1", 7100, 17100, net.now);
        assertThat(a.state.nodes()).hasSize(2);
        assertThatThrownBy(() -> a.state.meet("127.0.0.256", 7100, 17100, net.now))
            .hasMessage("ERR Invalid node address specified: 127.0.0.256:7100");
        assertThatThrownBy(() -> a.state.meet("127.0.0.1", 0, 10000, net.now))
            .hasMessage("ERR Invalid node address specified: 127.0.0.1:0");
        // Nobody answers at that address: the handshake node goes after the node timeout.
        net.run(2000);
        assertThat(a.state.nodes()).hasSize(1);
    }

    @Test
    void configEpochCollisionsEndWithEveryMasterOnItsOwnEpoch() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b", "c");
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        FakeNetwork.Node c = net.node("c");
        net.assignSlots(a, b, c);
        // All start at configEpoch 0: collision handling must spread them apart.
        net.runUntil("distinct config epochs", () -> {
            Set<Long> epochs = new HashSet<>();
            for (FakeNetwork.Node n : List.of(a, b, c)) epochs.add(n.state.myself().configEpoch());
            return epochs.size() == 3;
        }, 20_000);
        // The node with the greatest name never moves.
        FakeNetwork.Node greatest = List.of(a, b, c).stream().max((x, y) -> x.id().compareTo(y.id())).orElseThrow();
        assertThat(greatest.state.myself().configEpoch()).isZero();
        net.run(2000);
        for (FakeNetwork.Node n : List.of(a, b, c)) {
            assertThat(n.state.currentEpoch()).isEqualTo(2);
            assertThat(n.state.nodesConf()).endsWith("vars currentEpoch 2 lastVoteEpoch 0\n");
        }
    }

    @Test
    void unreachableMasterGoesPfailThenFailByMajorityOfMastersAndFailSpreads() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node m2 = net.nodes.get("m2");
        FakeNetwork.Node m3 = net.nodes.get("m3");
        // Stop failover so that FAIL is observed as such.
        for (FakeNetwork.Node n : net.nodes.values()) n.state.config().replicaNoFailover = true;
        net.kill(m1);
        long took = net.runUntil("m1 PFAIL on m2", () -> m2.view(m1).timedOut() || m2.view(m1).failed(), 10_000);
        assertThat(took).isGreaterThanOrEqualTo(TIMEOUT);
        net.runUntil("m1 FAIL everywhere", () -> net.nodes.values().stream().filter(n -> !n.dead)
            .allMatch(n -> n.view(m1).failed()), 5_000);
        assertThat(net.delivered).anyMatch(msg -> msg.type() == MsgType.FAIL);
        // With full coverage required, slots of a failed master put the cluster down.
        net.runUntil("cluster fail", () -> !m2.state.isOk() && !m3.state.isOk(), 5_000);
        assertThat(m2.state.clusterInfo()).startsWith("cluster_state:fail\r\n");
    }

    @Test
    void pfailBecomesFailOnlyWhenAMajorityOfSlotOwningMastersAgree() {
        FakeNetwork net = new FakeNetwork(TIMEOUT);
        FakeNetwork.Node[] m = new FakeNetwork.Node[5];
        for (int i = 0; i < 5; i++) m[i] = net.add("m" + i);
        net.formCluster();
        net.assignSlots(m);
        net.runUntil("cluster ok", net::allOk, 10_000);
        // Two of five masters lose m0: with m0's own silence counted nowhere, 2 < 3.
        net.cut(m[0], m[1]);
        net.cut(m[0], m[2]);
        net.runUntil("m0 PFAIL on m1 and m2", () -> m[1].view(m[0]).timedOut() && m[2].view(m[0]).timedOut(), 10_000);
        net.run(4 * TIMEOUT);
        for (FakeNetwork.Node n : m) {
            if (n != m[0]) assertThat(n.view(m[0]).failed()).as("FAIL seen by " + n).isFalse();
        }
        assertThat(m[1].state.countFailureReports(m[0].id(), net.now)).isEqualTo(1);
        // A third master loses it: now a majority.
        net.cut(m[0], m[3]);
        net.runUntil("m0 FAIL everywhere", () -> m[1].view(m[0]).failed() && m[4].view(m[0]).failed(), 10_000);
    }

    @Test
    void replicaOfAFailedMasterWinsTheElectionAndTakesItsSlots() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        FakeNetwork.Node m2 = net.nodes.get("m2");
        long epochBefore = r1.state.currentEpoch();
        net.kill(m1);
        net.runUntil("r1 is master", () -> r1.state.myself().isMaster(), 15_000);
        assertThat(r1.actions).contains(new ClusterAction.UnsetMaster());
        assertThat(r1.state.myself().configEpoch()).isGreaterThan(epochBefore);
        assertThat(r1.state.slotOwner(0)).isSameAs(r1.state.myself());
        net.runUntil("everyone routes slot 0 to r1 and the cluster is ok", () -> net.allOk()
            && net.nodes.values().stream().filter(n -> !n.dead).allMatch(n -> n.state.slotOwner(0).name().equals(r1.id())),
            10_000);
        assertThat(net.delivered).anyMatch(msg -> msg.type() == MsgType.FAILOVER_AUTH_REQUEST);
        assertThat(net.delivered.stream().filter(msg -> msg.type() == MsgType.FAILOVER_AUTH_ACK).count())
            .isGreaterThanOrEqualTo(2);
        // Each voter remembers its vote.
        assertThat(m2.state.lastVoteEpoch()).isEqualTo(r1.state.myself().configEpoch());
    }

    @Test
    void theReplicaWithTheGreatestOffsetIsElectedAndTheOtherFollowsIt() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        FakeNetwork.Node extra = net.join("r1b", m1);
        replicate(net, extra, m1);
        // r1b is ahead; its PINGs carry the offset so r1 ranks itself behind.
        extra.state.replicationOffset(5000);
        r1.state.replicationOffset(1000);
        net.run(2000);
        net.kill(m1);
        net.runUntil("r1b is master", () -> extra.state.myself().isMaster(), 20_000);
        net.runUntil("r1 follows r1b", () -> r1.state.myself().slaveof() != null
            && r1.state.myself().slaveof().name().equals(extra.id()), 10_000);
        assertThat(r1.state.myself().isSlave()).isTrue();
        assertThat(r1.actions).anyMatch(a -> a instanceof ClusterAction.SetMaster s && s.nodeName().equals(extra.id()));
    }

    @Test
    void aReplicaWhoseDataIsTooOldDoesNotFailOver() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        // Down since long before: more than repl-ping period + node-timeout × validity factor.
        r1.autoMasterLink = false;
        r1.state.masterLink(false, net.now - 60_000);
        net.kill(m1);
        net.run(10_000);
        assertThat(r1.state.myself().isSlave()).isTrue();
        assertThat(r1.state.cantFailoverReason()).isEqualTo(ClusterState.CantFailoverReason.DATA_AGE);
        // A validity factor of 0 lifts the check.
        r1.state.config().replicaValidityFactor = 0;
        net.runUntil("r1 is master", () -> r1.state.myself().isMaster(), 15_000);
    }

    @Test
    void aMasterVotesOncePerEpochAndNotAgainForTheSameMasterWithinTwiceTheNodeTimeout() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        FakeNetwork.Node m2 = net.nodes.get("m2");
        net.kill(m1);
        net.runUntil("r1 is master", () -> r1.state.myself().isMaster(), 15_000);
        long votedEpoch = m2.state.lastVoteEpoch();
        long acksFromM2 = net.delivered.stream()
            .filter(msg -> msg.type() == MsgType.FAILOVER_AUTH_ACK && msg.sender().equals(m2.id())).count();
        assertThat(acksFromM2).isEqualTo(1);
        assertThat(votedEpoch).isEqualTo(r1.state.myself().configEpoch());
    }

    @Test
    void manualFailoverPausesTheMasterAndSwapsRolesWithoutLosingTheOffset() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        m1.state.replicationOffset(777);
        r1.state.replicationOffset(700);
        r1.state.failover(FailoverMode.DEFAULT, net.now);
        net.process(r1);
        net.deliverAll();
        assertThat(m1.writesPaused).isTrue();
        assertThat(m1.state.manualFailoverInProgress()).isTrue();
        // The replica waits until it has processed everything the paused master had.
        net.run(1000);
        assertThat(r1.state.myself().isSlave()).isTrue();
        r1.state.replicationOffset(777);
        net.runUntil("r1 is master", () -> r1.state.myself().isMaster(), 5_000);
        net.runUntil("m1 follows r1", () -> m1.state.myself().isSlave()
            && m1.state.myself().slaveof().name().equals(r1.id()), 5_000);
        assertThat(m1.writesPaused).isFalse();
        assertThat(net.delivered).anyMatch(msg -> msg.type() == MsgType.MFSTART);
    }

    @Test
    void manualFailoverTimesOutAndUnpausesTheMasterWhenTheReplicaNeverCatchesUp() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        m1.state.replicationOffset(500);
        r1.state.replicationOffset(100);
        r1.state.failover(FailoverMode.DEFAULT, net.now);
        net.process(r1);
        net.deliverAll();
        assertThat(m1.writesPaused).isTrue();
        net.run(6000);
        assertThat(m1.writesPaused).isFalse();
        assertThat(r1.state.myself().isSlave()).isTrue();
        assertThat(m1.state.manualFailoverInProgress()).isFalse();
    }

    @Test
    void takeoverNeedsNoVoteAndWinsByAGreaterConfigEpoch() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        // r1 is cut from every other master: no vote could reach it.
        net.cut(r1, net.nodes.get("m2"));
        net.cut(r1, net.nodes.get("m3"));
        r1.state.failover(FailoverMode.TAKEOVER, net.now);
        net.process(r1);
        assertThat(r1.state.myself().isMaster()).isTrue();
        assertThat(net.delivered).noneMatch(msg -> msg.type() == MsgType.FAILOVER_AUTH_REQUEST);
        net.runUntil("m1 becomes r1's replica", () -> m1.state.myself().isSlave(), 5_000);
    }

    @Test
    void forcedFailoverWorksWithTheMasterDown() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        net.kill(m1);
        net.tick();
        // Before m1 is even flagged FAIL.
        assertThatThrownBy(() -> r1.state.failover(FailoverMode.DEFAULT, net.now))
            .hasMessage("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
        r1.state.failover(FailoverMode.FORCE, net.now);
        net.process(r1);
        net.runUntil("r1 is master", () -> r1.state.myself().isMaster(), 3_000);
    }

    @Test
    void aMasterBackFromAPartitionLearnsItWasReplacedAndBecomesAReplica() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        for (FakeNetwork.Node n : net.nodes.values()) {
            if (n != m1) net.cut(m1, n);
        }
        net.runUntil("r1 is master", () -> r1.state.myself().isMaster(), 15_000);
        assertThat(m1.state.isOk()).isFalse();
        for (FakeNetwork.Node n : net.nodes.values()) {
            if (n != m1) net.heal(m1, n);
        }
        net.runUntil("m1 is r1's replica", () -> m1.state.myself().isSlave()
            && m1.state.myself().slaveof().name().equals(r1.id()), 10_000);
        assertThat(m1.actions).anyMatch(a -> a instanceof ClusterAction.SetMaster s && s.nodeName().equals(r1.id()));
        assertThat(m1.state.slotOwner(0).name()).isEqualTo(r1.id());
    }

    @Test
    void aReplicaMigratesToAnOrphanedMaster() {
        FakeNetwork net = sixNodes();
        FakeNetwork.Node m1 = net.nodes.get("m1");
        FakeNetwork.Node r1 = net.nodes.get("r1");
        FakeNetwork.Node r2 = net.nodes.get("r2");
        FakeNetwork.Node m2 = net.nodes.get("m2");
        FakeNetwork.Node spare = net.join("spare", m1);
        replicate(net, spare, m1);
        // m1 has two replicas; m2 loses its only one.
        net.kill(r2);
        FakeNetwork.Node designated = r1.id().compareTo(spare.id()) < 0 ? r1 : spare;
        net.runUntil("a replica of m1 moves to m2", () -> designated.state.myself().slaveof() != null
            && designated.state.myself().slaveof().name().equals(m2.id()), 20_000);
        FakeNetwork.Node other = designated == r1 ? spare : r1;
        assertThat(other.state.myself().slaveof().name()).isEqualTo(m1.id());
    }

    @Test
    void withoutFullCoverageTheClusterStaysOkWithUnassignedSlots() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b");
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        a.state.addSlots(new int[] {1, 2, 3});
        net.process(a);
        net.run(3000);
        assertThat(a.state.isOk()).isFalse();
        a.state.config().requireFullCoverage = false;
        b.state.config().requireFullCoverage = false;
        net.runUntil("ok", net::allOk, 10_000);
    }

    @Test
    void messagesForALinkStillConnectingWaitForTheConnection() {
        String a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        String b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        ClusterState state = ClusterState.load(ClusterConfig.forPort(7000), new java.util.Random(1),
            a + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\n"
                + b + " 127.0.0.1:7001@17001 master - 0 0 2 connected\n", 10_000);
        state.ready();
        state.tick(10_100);
        Ready ready = state.ready();
        ClusterAction.Connect connect = (ClusterAction.Connect) ready.actions().get(0);
        assertThat(connect.cport()).isEqualTo(17001);
        // A PING is due (no PONG ever) but the link is not up: it waits, the ping time counts from now.
        assertThat(ready.messages()).isEmpty();
        assertThat(state.lookupNode(b).pingSent()).isEqualTo(10_100);
        state.linkConnected(connect.link(), "127.0.0.1", 10_200);
        ready = state.ready();
        assertThat(ready.messages()).extracting(m -> m.msg().type()).containsExactly(MsgType.PING, MsgType.PING);
        assertThat(ready.messages()).allMatch(m -> m.link() == connect.link());
        assertThat(state.lookupNode(b).pingSent()).isEqualTo(10_100);
        // Node b never answers: PFAIL after the node timeout, counted from the first PING.
        state.tick(10_100 + 15_001);
        assertThat(state.lookupNode(b).timedOut()).isTrue();
    }

    @Test
    void reshardingOneSlotMovesItWithANewEpochAndEveryNodeFollows() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b", "c");
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        FakeNetwork.Node c = net.node("c");
        net.assignSlots(a, b, c);
        net.runUntil("cluster ok", net::allOk, 10_000);
        // redis-cli's order: IMPORTING on the target, MIGRATING on the source, keys moved, then NODE.
        b.state.setSlotImporting(100, a.id());
        a.state.setSlotMigrating(100, b.id());
        assertThat(b.state.nodeDescription(b.state.myself(), false)).endsWith(" [100-<-" + a.id() + "]");
        assertThat(a.state.nodeDescription(a.state.myself(), false)).endsWith(" [100->-" + b.id() + "]");
        assertThatThrownBy(() -> a.state.setSlotNode(100, b.id(), 3)).hasMessage(
            "ERR Can't assign hashslot 100 to a different node while I still hold keys for this hash slot.");
        a.state.setSlotNode(100, b.id(), 0);
        net.process(a);
        b.state.setSlotNode(100, b.id(), 0);
        net.process(b);
        // The new owner's claim wins everywhere: its configEpoch is now the greatest (bumped unless it was).
        assertThat(b.state.myself().configEpoch()).isGreaterThan(a.state.myself().configEpoch())
            .isGreaterThan(c.state.myself().configEpoch());
        assertThat(b.state.importingFrom(100)).isNull();
        assertThat(a.state.migratingTo(100)).isNull();
        net.runUntil("c routes slot 100 to b", () -> c.state.slotOwner(100) == c.view(b), 5_000);
        assertThat(c.state.slotOwner(99)).isSameAs(c.view(a));
        assertThat(a.state.slotOwner(100)).isSameAs(a.view(b));
        assertThat(a.state.clusterNodes()).doesNotContain("[100");
    }

    @Test
    void aForgottenNodeIsNotAddedBackByGossipForAMinute() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b", "c");
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        FakeNetwork.Node c = net.node("c");
        net.kill(c);
        a.state.forget(c.id(), net.now);
        b.state.forget(c.id(), net.now);
        net.process(a);
        net.process(b);
        assertThatThrownBy(() -> a.state.forget(a.id(), net.now)).hasMessage("ERR I tried hard but I can't forget myself...");
        net.run(30_000);
        assertThat(a.view(c)).isNull();
        assertThat(b.view(c)).isNull();
    }

    @Test
    void hardResetForgetsEverythingAndTakesANewName() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b");
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        net.assignSlots(a, b);
        a.state.bumpEpoch();
        String oldId = a.id();
        a.state.reset(true, true, net.now);
        Ready ready = a.state.ready();
        assertThat(ready.saveConfig()).isTrue();
        assertThat(ready.fsyncConfig()).isTrue();
        assertThat(a.id()).isNotEqualTo(oldId);
        assertThat(a.state.nodes()).hasSize(1);
        assertThat(a.state.currentEpoch()).isZero();
        assertThat(a.state.myself().numSlots()).isZero();
        assertThat(a.state.nodesConf()).endsWith("vars currentEpoch 0 lastVoteEpoch 0\n");
    }

    @Test
    void anAnnouncedIpIsSentAndUsedByPeersAndUnsettingItRestoresDiscovery() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b");
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        assertThat(a.state.myself().ip()).isEqualTo("127.0.0.1");
        a.state.config().announceIp = "127.0.0.2";
        net.runUntil("b uses the announced ip", () -> b.view(a).ip().equals("127.0.0.2"), 5_000);
        assertThat(a.state.myself().ip()).isEqualTo("127.0.0.2");
        a.state.config().announceIp = null;
        net.run(2000);
        // Back to discovery: headers carry no ip, peers take the connection's address.
        assertThat(net.delivered.get(net.delivered.size() - 1).myip()).isEmpty();
        assertThat(b.view(a).ip()).isEqualTo("127.0.0.1");
        assertThat(a.state.myself().ip()).isEqualTo("127.0.0.1");
    }

    @Test
    void keysFoundAtStartupInSlotsNotOursAreClaimedOrImported() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b");
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        b.state.addSlots(new int[] {7});
        net.process(b);
        net.runUntil("a knows b owns 7", () -> a.state.slotOwner(7) == a.view(b), 5_000);
        a.state.ready();
        a.state.verifyConfigWithData(slot -> slot == 5 || slot == 7);
        Ready ready = a.state.ready();
        assertThat(ready.saveConfig()).isTrue();
        assertThat(a.state.slotOwner(5)).isSameAs(a.state.myself());
        assertThat(a.state.importingFrom(7)).isSameAs(a.view(b));
    }

    @Test
    void aSlotLeavingTheShardUnsubscribesItsShardChannels() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b");
        FakeNetwork.Node a = net.node("a");
        a.state.addSlots(new int[] {9});
        a.state.delSlots(new int[] {9});
        assertThat(a.state.ready().actions()).contains(new ClusterAction.RemoveChannelsInSlot(9));
    }

    /** Masters a and b, the slots split between them, cluster ok. */
    private static FakeNetwork twoMasters() {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "a", "b");
        net.assignSlots(net.node("a"), net.node("b"));
        net.runUntil("cluster ok everywhere", net::allOk, 10_000);
        return net;
    }

    @Test
    void anAtomicImportTakesEverySlotAtOnceWithTheGreatestEpochAndTheSourceLearnsIt() {
        FakeNetwork net = twoMasters();
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        int[] moving = {0, 1, 2, 100};
        assertThatThrownBy(() -> b.state.takeImportedSlots(moving)).hasMessage("ERR Slot 0 is not being imported");
        assertThatThrownBy(() -> b.state.openImport(new int[] {0, 9000}, a.id()))
                .hasMessage("ERR I'm already the owner of hash slot 9000");
        assertThat(b.state.importingFrom(0)).as("refused as a whole").isNull();
        b.state.openImport(moving, a.id());
        for (int s : moving) assertThat(b.state.importingFrom(s)).isSameAs(b.state.lookupNode(a.id()));
        b.state.takeImportedSlots(moving);
        net.process(b);
        // A new configEpoch unless b's is already the greatest (as SETSLOT NODE after an import): its claim wins.
        assertThat(Long.compareUnsigned(b.state.myself().configEpoch(), a.state.myself().configEpoch())).isPositive();
        for (int s : moving) {
            assertThat(b.state.slotOwner(s)).isSameAs(b.state.myself());
            assertThat(b.state.importingFrom(s)).isNull();
        }
        assertThatThrownBy(() -> b.state.dropImport(moving)).hasMessage("ERR I'm already the owner of hash slot 0");
        net.runUntil("the source sees the new owner", () -> {
            for (int s : moving) if (a.state.slotOwner(s) == null || !a.state.slotOwner(s).name().equals(b.id())) return false;
            return true;
        }, 10_000);
        assertThat(a.state.slotOwner(3).name()).isEqualTo(a.id());
    }

    @Test
    void aDroppedImportClosesEverySlotAndTheyStayWithTheSource() {
        FakeNetwork net = twoMasters();
        FakeNetwork.Node a = net.node("a");
        FakeNetwork.Node b = net.node("b");
        b.state.openImport(new int[] {5, 6}, a.id());
        b.state.dropImport(new int[] {5, 6});
        assertThat(b.state.importingFrom(5)).isNull();
        assertThat(b.state.importingFrom(6)).isNull();
        assertThat(b.state.slotOwner(5).name()).isEqualTo(a.id());
    }
}
