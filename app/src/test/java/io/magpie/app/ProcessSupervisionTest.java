package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process as supervisors and scripts drive redis-server: sd_notify messages under
 * systemd, daemonize, the pid file, the configuration on stdin, and the start log lines
 * tools wait for (the logo's PID line, "Configuration loaded").
 */
class ProcessSupervisionTest {
    @TempDir
    Path dir;

    @Test
    void supervisedSystemdSendsStatusAndReadyOnTheNotifySocketThenStopping() throws Exception {
        Path socket = dir.resolve("notify.sock");
        List<String> messages = new CopyOnWriteArrayList<>();
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        try {
            Channel ch = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                            messages.add(p.content().toString(StandardCharsets.UTF_8));
                        }
                    }).bind(new DomainSocketAddress(socket.toFile())).sync().channel();
            try (MagpieProcess node = MagpieProcess.start(dir.resolve("node.log"), Map.of("NOTIFY_SOCKET", socket.toString()),
                    "--supervised", "systemd", "--save", "")) {
                await().atMost(Duration.ofSeconds(30)).until(() -> messages.contains("READY=1\n"));
                assertThat(messages).containsSubsequence("STATUS=Redis is loading...\n", "STATUS=Ready to accept connections\n",
                        "READY=1\n");
                assertThat(node.logText()).contains("Supervised by systemd.");
                node.process.destroy();
                assertThat(node.waitExit()).isEqualTo(0);
                await().atMost(Duration.ofSeconds(30)).until(() -> messages.contains("STOPPING=1\n"));
            }
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void daemonizeDetachesWritesThePidfileRelativeToDirAndRemovesItAtExit() throws Exception {
        int port = RealRedis.freePort();
        Path log = dir.resolve("daemon.log");
        Process parent = new ProcessBuilder(MagpieProcess.command("--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--daemonize", "yes", "--dir", dir.toString(), "--pidfile", "magpie.pid", "--logfile", "daemon.log", "--save", ""))
                .redirectErrorStream(true).redirectOutput(dir.resolve("parent.out").toFile()).start();
        assertThat(MagpieProcess.waitExit(parent)).isEqualTo(0); // the parent returns at once, as after fork
        Path pidfile = dir.resolve("magpie.pid");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidfile) && !Files.readString(pidfile).isBlank());
        long pid = Long.parseLong(Files.readString(pidfile).trim());
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        try {
            assertThat(pid).isNotEqualTo(parent.pid());
            RealRedis.waitUntilReady(port, null);
            try (RespClient c = new RespClient(port)) {
                assertThat(c.value("CONFIG", "GET", "daemonize")).isEqualTo(List.of("daemonize", "yes"));
                c.send("SHUTDOWN", "NOSAVE");
            }
            assertThat(daemon.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
            assertThat(pidfile).doesNotExist();
            assertThat(Files.readString(log)).contains("Ready to accept connections").contains("Removing the pid file.");
        } finally {
            daemon.destroyForcibly();
        }
    }

    @Test
    void aDashReadsTheConfigurationFromStdinMergedWithTheArguments() throws Exception {
        int port = RealRedis.freePort();
        Process p = new ProcessBuilder(MagpieProcess.command("--bind", "127.0.0.1", "--save", "", "--hz", "20", "-"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdin.log").toFile()).start();
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write(("port " + port + "\nmaxmemory 5mb\nhz 15\n").getBytes(StandardCharsets.UTF_8));
            }
            RealRedis.waitUntilReady(port, p);
            try (RespClient c = new RespClient(port)) {
                assertThat(c.value("CONFIG", "GET", "maxmemory")).isEqualTo(List.of("maxmemory", "5242880"));
                assertThat(c.value("CONFIG", "GET", "hz")).isEqualTo(List.of("hz", "20")); // arguments come after stdin
            }
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @Test
    void alwaysShowLogoPrintsRedisBannerWithItsPidLineAndArgumentsAloneLoadTheConfiguration() throws Exception {
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("logo.log"), "--always-show-logo", "yes", "--save", "")) {
            String log = node.logText();
            assertThat(log).contains("Configuration loaded").doesNotContain("no config file specified");
            assertThat(log).contains("Running in standalone mode\n").contains(" |`-._`-...-` __...-.``-._|'` _.-'|     Port: " + node.port + "\n")
                    .contains(" |    `-._   `._    /     _.-'    |     PID: " + node.process.pid() + "\n");
        }
    }

    @Test
    void aSaveLineWithAnEmptyArgumentAndRelativePathsResolveAsRedisDoes() throws Exception {
        Path conf = dir.resolve("magpie.conf");
        Files.writeString(conf, "save \"\"\nsave 900 1\nsave \"\"\ndir " + dir + "\nlogfile node.log\npidfile node.pid\n");
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("stdout.log"), conf.toString()); RespClient c = node.client()) {
            assertThat(c.value("CONFIG", "GET", "save")).isEqualTo(List.of("save", ""));
            assertThat(dir.resolve("node.pid")).hasContent(String.valueOf(node.process.pid()));
            assertThat(Files.readString(dir.resolve("node.log"))).contains("Ready to accept connections");
        }
    }

    @Test
    void theRdbLoadLogLinesAppearWhenTheLoadStartsNotWhenItEnds() throws Exception {
        try (MagpieProcess first = MagpieProcess.start(dir.resolve("first.log"), "--dir", dir.toString(), "--save", "");
                RespClient c = first.client()) {
            for (int i = 0; i < 3000; i++) c.send("SET", "key:" + i, "value:" + i);
            for (int i = 0; i < 3000; i++) c.read();
            assertThat(c.value("SAVE").toString()).isEqualTo("OK");
        }
        int port = RealRedis.freePort();
        try (MagpieProcess node = MagpieProcess.launch(dir.resolve("second.log"), Map.of(), port, "--dir", dir.toString(),
                "--save", "", "--key-load-delay", "2000")) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (RespClient c = new RespClient(port)) {
                    return c.value("INFO", "persistence").toString().contains("loading:1\r\n");
                }
            });
            String during = node.logText();
            assertThat(during).contains("Loading RDB produced by version 7.0.15").contains("RDB memory usage when created")
                    .doesNotContain("Done loading RDB");
            try (RespClient c = new RespClient(port)) {
                c.value("CONFIG", "SET", "key-load-delay", "0");
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> node.logText().contains("Done loading RDB, keys loaded: 3000"));
        }
    }
}
