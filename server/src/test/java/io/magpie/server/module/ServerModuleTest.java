package io.magpie.server.module;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.config.Config;
import io.magpie.protocol.RespClient;
import io.magpie.server.ConfigLoader;
import io.magpie.server.MagpieServer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServerModuleTest {
    /** A mode in miniature: one command, one INFO section, a cron, a shutdown. */
    static final class CountingModule implements ServerModule {
        final AtomicInteger crons = new AtomicInteger();
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch stopped = new CountDownLatch(1);
        ModuleHost host;

        @Override public String name() {
            return "counting";
        }

        @Override public void attach(ModuleHost host) {
            this.host = host;
            host.command("lolwut", c -> c.reply().status("module:" + c.argv().length));
        }

        @Override public void start() {
            started.countDown();
        }

        @Override public List<String> infoSections() {
            return List.of("counting");
        }

        @Override public boolean infoByDefault() {
            return true;
        }

        @Override public void info(String section, StringBuilder out) {
            out.append("# Counting\r\ncrons_seen:").append(crons.get() > 0 ? "yes" : "no").append("\r\n");
        }

        @Override public void cron(long nowMs) {
            crons.incrementAndGet();
        }

        @Override public void shutdown() {
            stopped.countDown();
        }
    }

    private static MagpieServer start(ServerModule module) throws Exception {
        Config registry = new Config();
        MagpieServer server = new MagpieServer(registry);
        server.modules().add(module);
        ConfigLoader.load(registry, ConfigLoader.configText(new String[] {"--port", "0", "--bind", "127.0.0.1", "--save", ""}));
        server.start();
        return server;
    }

    @Test
    void aModulesCommandRunsThroughTheServersDispatchWithTheTablesArity() throws Exception {
        CountingModule m = new CountingModule();
        MagpieServer server = start(m);
        try (RespClient c = new RespClient(server.port())) {
            assertThat(c.call("LOLWUT", "a", "b").value()).hasToString("module:3");
            // Authentication is the pipeline's, not the module's: with requirepass the command is refused.
            assertThat(c.call("CONFIG", "SET", "requirepass", "pw").value()).hasToString("OK");
            try (RespClient other = new RespClient(server.port())) {
                assertThat(other.call("LOLWUT").value()).hasToString("(error) NOAUTH Authentication required.");
            }
        } finally {
            server.shutdown();
            server.awaitTermination();
        }
        assertThat(m.stopped.await(10, TimeUnit.SECONDS)).as("shutdown reached the module").isTrue();
    }

    @Test
    void aModulesInfoSectionFollowsTheServersAndItsCronRuns() throws Exception {
        CountingModule m = new CountingModule();
        MagpieServer server = start(m);
        try (RespClient c = new RespClient(server.port())) {
            assertThat(m.started.await(10, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (m.crons.get() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            String all = String.valueOf(c.call("INFO").value());
            assertThat(all).contains("# Keyspace\r\n").endsWith("# Counting\r\ncrons_seen:yes\r\n");
            assertThat(String.valueOf(c.call("INFO", "counting").value())).isEqualTo("# Counting\r\ncrons_seen:yes\r\n");
            assertThat(String.valueOf(c.call("INFO", "server").value())).doesNotContain("Counting");
        } finally {
            server.shutdown();
            server.awaitTermination();
        }
    }
}
