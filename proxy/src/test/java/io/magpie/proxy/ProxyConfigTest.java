package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.commands.placement.Distribution;
import io.magpie.commands.placement.HashFunction;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigTest {
    @Test
    void aFileInRedisConfSyntaxThenArgumentsThatWin(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("proxy.conf");
        Files.writeString(f, """
                # twemproxy's names with '_' and Redis's with '-' both work
                port 7000
                servers 127.0.0.1:7001:1 127.0.0.1:7002:2
                servers 127.0.0.1:7003
                distribution modula
                hash_tag "{}"
                server-failure-limit 3
                auto_eject_hosts yes
                requirepass "s3cret"
                """);
        ProxyConfig c = ProxyConfig.parse(new String[] {f.toString(), "--port", "7100", "--hash", "md5"});
        assertThat(c.port).isEqualTo(7100);
        assertThat(c.servers).containsExactly(new ProxyConfig.Server("127.0.0.1", 7001, 1),
                new ProxyConfig.Server("127.0.0.1", 7002, 2), new ProxyConfig.Server("127.0.0.1", 7003, 1));
        assertThat(c.distribution).isEqualTo(Distribution.Kind.MODULA);
        assertThat(c.hash).isEqualTo(HashFunction.MD5);
        assertThat(c.hashTag).isNotNull();
        assertThat(c.serverFailureLimit).isEqualTo(3);
        assertThat(c.autoEjectHosts).isTrue();
        assertThat(c.requirepass).isEqualTo("s3cret");
    }

    @Test
    void badSettingsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ProxyConfig.parse(new String[] {"--servers", "127.0.0.1:7001:0"})).hasMessageContaining("weight must be positive");
        assertThatThrownBy(() -> ProxyConfig.parse(new String[] {"--servers", "127.0.0.1:7001", "--hash", "sha1"})).hasMessageContaining("unknown hash 'sha1'");
        assertThatThrownBy(() -> ProxyConfig.parse(new String[] {"--servers", "127.0.0.1:7001", "--distribution", "random"})).hasMessageContaining("modula, ketama or ring");
        assertThatThrownBy(() -> ProxyConfig.parse(new String[] {"--backend", "cluster"})).hasMessageContaining("needs seeds");
        assertThatThrownBy(() -> ProxyConfig.parse(new String[] {"--backend", "raft"})).hasMessageContaining("backend raft needs seeds");
        assertThatThrownBy(() -> ProxyConfig.parse(new String[] {"--backend", "etcd"})).hasMessageContaining("servers, cluster or raft");
        assertThatThrownBy(() -> ProxyConfig.parse(new String[] {"--servers", "127.0.0.1:7001", "--nope", "1"})).hasMessageContaining("unknown setting 'nope'");
    }

    @Test
    void backendRaftTakesTheClientPortsOfRaftNodesAsSeeds() throws Exception {
        ProxyConfig c = ProxyConfig.parse(new String[] {"--backend", "raft", "--seeds", "127.0.0.1:7001,127.0.0.1:7002"});
        assertThat(c.backend).isEqualTo(ProxyConfig.BackendKind.RAFT);
        assertThat(c.seeds).containsExactly(new ProxyConfig.Server("127.0.0.1", 7001, 1), new ProxyConfig.Server("127.0.0.1", 7002, 1));
    }
}
