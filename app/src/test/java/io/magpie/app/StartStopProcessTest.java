package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real process, started as ./magpie-server starts it: redis-server's arguments, config
 * errors reported with Redis's words and exit code 1, Redis's log lines, a pid file, and a
 * clean exit (code 0) on SIGTERM, SIGINT and SHUTDOWN.
 */
class StartStopProcessTest {
    @TempDir
    Path dir;

    record Result(int exitCode, String stdout, String stderr) {}

    /**
     * Java directly, as ./magpie-server starts it: with SIGTERM and SIGINT reset to their
     * default action first. A Maven started as a background job of a non-interactive shell
     * passes SIGINT down ignored, and a Java 17 server cannot take back an ignored SIGINT
     * (InheritedSignalsTest covers that case through the launcher).
     */
    private ProcessBuilder magpie(String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=TERM,INT"));
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.magpie.app.Main");
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    private static ProcessBuilder redis(String... args) {
        List<String> cmd = new ArrayList<>(List.of("redis-server"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Runs a process that must exit on its own (a refused start). */
    private Result runToExit(ProcessBuilder pb, String name) throws Exception {
        File out = dir.resolve(name + ".out").toFile(), err = dir.resolve(name + ".err").toFile();
        Process p = pb.redirectOutput(out).redirectError(err).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(name + " did not exit");
        }
        return new Result(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
    }

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void configFileErrorsAreReportedAsRedisDoesWithExitCode1() throws Exception {
        Path included = write("included.conf", "maxmemory 5mb\nbogus 1\n");
        String[] badConfigs = {
            "include " + included + "\nport 7000\n",
            "# comment\nport 7000\nnosuch-directive 1\n",
            "maxmemory abc\n",
            "timeout -5\n",
            "appendfilename \"unbalanced\n",
            "client-output-buffer-limit normal 1 2\n",
            "port\n",
        };
        for (int i = 0; i < badConfigs.length; i++) {
            Path conf = write("bad" + i + ".conf", badConfigs[i]);
            Result r = runToExit(redis(conf.toString()), "redis-bad" + i);
            Result m = runToExit(magpie(conf.toString()), "magpie-bad" + i);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(m.exitCode()).as(badConfigs[i]).isEqualTo(1);
            assertThat(m.stderr()).as(badConfigs[i]).isEqualTo(r.stderr());
            assertThat(m.stderr()).contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***");
        }
    }

    @Test
    void unknownOrInvalidCommandLineOptionsAreRefusedAsRedisDoes() throws Exception {
        String[][] argSets = {{"--port", "7000", "--nosuch", "1"}, {"--maxmemory", "lots"}, {"--port", "99999"}};
        for (String[] args : argSets) {
            String name = String.join("_", args).replace("-", "");
            Result r = runToExit(redis(args), "redis" + name);
            Result m = runToExit(magpie(args), "magpie" + name);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(m.exitCode()).isEqualTo(1);
            assertThat(m.stderr()).as(String.join(" ", args)).isEqualTo(r.stderr());
        }
    }

    @Test
    void missingConfigFileIsFatal() throws Exception {
        String missing = dir.resolve("missing.conf").toString();
        Result r = runToExit(redis(missing), "redis-missing");
        Result m = runToExit(magpie(missing), "magpie-missing");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(m.exitCode()).isEqualTo(1);
        String line = "# Fatal error, can't open config file '" + missing + "': No such file or directory";
        assertThat(r.stdout()).contains(line);
        assertThat(m.stdout()).contains(line);
    }

    /** A started server: the process, its port and its log. */
    private record Started(Process process, int port, Path log) {
        String logText() throws IOException {
            return Files.readString(log);
        }
    }

    private Started start(String name, String... args) throws Exception {
        int port = RealRedis.freePort();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1"));
        Path log = dir.resolve(name + ".log");
        Process p = magpie(all.toArray(new String[0])).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RealRedis.waitUntilReady(port, p);
        return new Started(p, port, log);
    }

    private static int waitExit(Process p) throws InterruptedException {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("server did not exit");
        }
        return p.exitValue();
    }

    @Test
    void startsWithConfigFileAndOverridesWritesPidfileAndStopsCleanlyOnSigterm() throws Exception {
        Path pidfile = dir.resolve("magpie.pid");
        Path conf = write("magpie.conf", "# test config\nport 1\nmaxmemory 100mb\npidfile " + pidfile + "\n");
        Started s = start("sigterm", conf.toString(), "--hz", "20");
        try (RespClient c = new RespClient(s.port())) {
            assertThat(c.value("PING").toString()).isEqualTo("PONG");
            assertThat(c.value("CONFIG", "GET", "maxmemory")).isEqualTo(List.of("maxmemory", "104857600"));
            assertThat(c.value("CONFIG", "GET", "hz")).isEqualTo(List.of("hz", "20"));
            assertThat(String.valueOf(c.value("INFO", "server"))).contains("config_file:" + conf.toAbsolutePath() + "\r\n");
        }
        assertThat(Files.readString(pidfile).trim()).isEqualTo(String.valueOf(s.process().pid()));
        assertThat(s.logText()).contains("Ready to accept connections").contains("Running mode=standalone, port=" + s.port() + ".")
                .contains("Configuration loaded");
        s.process().destroy(); // SIGTERM
        assertThat(waitExit(s.process())).isEqualTo(0);
        assertThat(pidfile).doesNotExist();
        assertThat(s.logText()).contains("Received SIGTERM scheduling shutdown...").contains("User requested shutdown...")
                .contains("Removing the pid file.").contains("is now ready to exit, bye bye...");
    }

    @Test
    void sigintStopsCleanly() throws Exception {
        Started s = start("sigint");
        Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(s.process().pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(waitExit(s.process())).isEqualTo(0);
        assertThat(s.logText()).contains("Received SIGINT scheduling shutdown...");
    }

    @Test
    void shutdownCommandExitsWithCode0AndConfigRewriteEditsTheFileLikeRedis() throws Exception {
        String original = "# my comment\nmaxmemory 100\n\n# tail comment\nmaxmemory 200\ntimeout 0\nloglevel notice\n";
        Path magpieConf = write("m.conf", original);
        Path redisConf = write("r.conf", original);
        Started s = start("shutdown", magpieConf.toString());
        int redisPort = RealRedis.freePort();
        Process redis = redis(redisConf.toString(), "--port", String.valueOf(redisPort), "--bind", "127.0.0.1", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        try {
            RealRedis.waitUntilReady(redisPort, redis);
            try (RespClient r = new RespClient(redisPort); RespClient m = new RespClient(s.port())) {
                for (RespClient c : new RespClient[] {r, m}) {
                    c.call("CONFIG", "SET", "maxmemory", "10mb", "hz", "20", "loglevel", "verbose", "timeout", "0");
                    c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0");
                    c.call("CONFIG", "SET", "requirepass", "a b\"c");
                    assertThat(c.value("AUTH", "a b\"c").toString()).isEqualTo("OK");
                    assertThat(c.value("CONFIG", "REWRITE").toString()).isEqualTo("OK");
                }
            }
            assertThat(meaningful(Files.readString(magpieConf), s.port())).isEqualTo(meaningful(Files.readString(redisConf), redisPort));
            assertThat(Files.readString(magpieConf)).startsWith("# my comment\nmaxmemory 10mb\n\n# tail comment\n\n");
        } finally {
            redis.destroy();
            redis.waitFor(30, TimeUnit.SECONDS);
        }
        try (RespClient m = new RespClient(s.port())) {
            m.call("AUTH", "a b\"c");
            m.send("SHUTDOWN");
            m.setTimeout(30_000);
            assertThat(m.isClosedByServer()).isTrue();
        }
        assertThat(waitExit(s.process())).isEqualTo(0);
        assertThat(s.logText()).contains("User requested shutdown...");
    }

    /**
     * The rewritten file without what differs for reasons outside CONFIG REWRITE: the
     * command-line options each server was started with (port, bind, dir) and the ACL
     * and latency-tracking lines only Redis has.
     */
    private static List<String> meaningful(String text, int port) {
        List<String> out = new ArrayList<>();
        List<String> generated = new ArrayList<>();
        boolean inGenerated = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("port ") || line.startsWith("bind ") || line.startsWith("dir ") || line.startsWith("user ")
                    || line.startsWith("latency-tracking-info-percentiles") || line.startsWith("save ")) {
                continue;
            }
            // Redis appends new options in its config dict's order, which varies between runs.
            if (inGenerated) generated.add(line);
            else out.add(line);
            if (line.equals("# Generated by CONFIG REWRITE")) inGenerated = true;
        }
        java.util.Collections.sort(generated);
        out.addAll(generated);
        return out;
    }
}
