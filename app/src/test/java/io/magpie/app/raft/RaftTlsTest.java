package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.tls.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * raft-tls yes: the group's links run over mutual TLS with the nodes' tls-cert-file and
 * tls-key-file, trusting tls-ca-cert-file. A group elects and replicates over it; a node whose
 * certificate the CA signed joins; an intruder with a certificate of another CA is refused by
 * every member, so RAFT ADDNODE cannot add it and it never receives the group's data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private final TestCertificates certs = TestCertificates.get();
    private RaftGroup group;

    private String[] tlsArgs(String cert, String key) {
        return new String[] {"--raft-tls", "yes", "--tls-cert-file", cert, "--tls-key-file", key,
            "--tls-ca-cert-file", certs.caCert.toString(), "--raft-admin-timeout", "6000"};
    }

    @BeforeAll
    void startGroup() throws Exception {
        group = RaftGroup.start(Files.createTempDirectory("raft-tls"), 3, tlsArgs(certs.serverCert.toString(), certs.serverKey.toString()));
    }

    @AfterAll
    void stopGroup() {
        if (group != null) group.close();
    }

    private static String addNode(RaftGroup.Member leader, RaftGroup.Member joiner) {
        try (Jedis j = leader.jedis()) {
            j.getClient().setSoTimeout(60_000);
            Object reply = j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "ADDNODE", joiner.id, "127.0.0.1:" + joiner.raftPort);
            return new String((byte[]) reply, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    @Test
    @Order(1)
    void aGroupOverMutualTlsElectsALeaderAndReplicatesWrites() {
        RaftGroup.Member leader = group.awaitLeader(WAIT);
        try (Jedis j = leader.jedis()) {
            assertThat(j.set("k", "over tls")).isEqualTo("OK");
        }
        for (RaftGroup.Member m : group.members()) {
            try (Jedis r = m.jedis()) {
                r.readonly();
                await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(r.get("k")).isEqualTo("over tls"));
            }
        }
    }

    @Test
    @Order(2)
    void anIntruderWithACertificateOfAnotherCaCannotJoinNorReceiveTheData() throws Exception {
        // a self-signed certificate of another CA, for 127.0.0.1 or not: no member accepts it
        RaftGroup.Member intruder = group.startJoiner("n5", tlsArgs(certs.otherCaCert.toString(), certs.dir.resolve("other-ca.key").toString()));
        try {
            RaftGroup.Member leader = group.awaitLeader(WAIT);
            String reply = addNode(leader, intruder);
            assertThat(reply).contains("ERR RAFT ADDNODE did not complete").contains("n5 is not a member");
            assertThat(RaftGroup.raftInfo(leader)).containsEntry("members", "3");
            try (Jedis r = intruder.jedis()) {
                r.readonly();
                assertThat(r.get("k")).isNull();
            }
            assertThat(Files.readString(intruder.dir.resolve("n5.log")) + Files.readString(leader.dir.resolve(leader.id + ".log")))
                    .as("the refused handshake is in a log").containsPattern("(?i)ssl|tls|certificate|handshake");
        } finally {
            group.kill(intruder);
        }
    }

    @Test
    @Order(3)
    void aNodeWithACertificateTheCaSignedJoinsOverTls() {
        RaftGroup.Member joiner = group.startJoiner("n4", tlsArgs(certs.clientCert.toString(), certs.clientKey.toString()));
        try {
            RaftGroup.Member leader = group.awaitLeader(WAIT);
            await().atMost(WAIT).until(() -> "OK".equals(addNode(leader, joiner)));
            try (Jedis r = joiner.jedis()) {
                r.readonly();
                await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(r.get("k")).isEqualTo("over tls"));
            }
        } finally {
            group.kill(joiner);
        }
    }
}
