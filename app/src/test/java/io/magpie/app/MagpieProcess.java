package io.magpie.app;

import io.magpie.protocol.RespClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Magpie server as its own process (this test JVM's classpath, io.magpie.app.Main), for
 * the behaviours that are about processes: exit codes, signals, files left on disk, kill -9.
 * Its standard output and error go to a log file next to the data.
 */
final class MagpieProcess implements AutoCloseable {
    final Process process;
    final int port;
    final Path log;

    private MagpieProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.magpie.app.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts with args, on a free port bound to 127.0.0.1, and waits until it answers PING. */
    static MagpieProcess start(Path log, String... args) throws IOException {
        return start(log, Map.of(), args);
    }

    static MagpieProcess start(Path log, Map<String, String> env, String... args) throws IOException {
        int port = RealRedis.freePort();
        MagpieProcess p = launch(log, env, port, args);
        RealRedis.waitUntilReady(port, p.process);
        return p;
    }

    /** Starts on the given port without waiting (a start that is expected to fail, or to load slowly). */
    static MagpieProcess launch(Path log, Map<String, String> env, int port, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1"));
        // Run in the test's directory, never in the source tree: a node without --dir saves there.
        ProcessBuilder pb = new ProcessBuilder(command(all.toArray(new String[0]))).directory(log.toAbsolutePath().getParent().toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        return new MagpieProcess(pb.start(), port, log);
    }

    RespClient client() {
        return new RespClient(port);
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Waits for the process to end on its own and returns its exit code. */
    int waitExit() throws InterruptedException {
        return waitExit(process);
    }

    static int waitExit(Process p) throws InterruptedException {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("process did not exit");
        }
        return p.exitValue();
    }

    /** kill -9: no shutdown code runs. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill9();
    }
}
